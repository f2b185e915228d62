/**
 * What every flow is given: configuration, storage, a logger, the client's
 * address and, where there is one, the delivery queue. Built once per
 * invocation by functions/wiring.ts; core tests build it around the in-memory
 * store with a fixed clock.
 */
import type { Config } from "./config";
import type { DeliveryJob } from "./delivery/job";
import type { AuthStore } from "./store";
import type { ClientMeta, Clock, Log } from "./types";

export interface Deps {
  config: Config;
  store: AuthStore;
  log: Log;
  /** The client's address (CF-Connecting-IP, IPv6 as its /64), for per-IP limits. */
  clientIp: string;
  /** What sessions and the security log keep of the client: an IP prefix and its user agent. */
  client: ClientMeta;
  /** Puts a delivery job on the queue; without it codes are sent on the request path. */
  enqueue?: (job: DeliveryJob) => Promise<void>;
  /** The clock for token timestamps; the database's own clock decides expiry and windows. */
  now?: Clock;
}
