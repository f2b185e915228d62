/**
 * The chaos proxies (support/chaos-proxy.mjs) as the tests use them: a proxy of
 * the test's own between the worker and the database endpoint, the bindings
 * that route a request through it, and the bound every answer must meet.
 */
import { env } from "cloudflare:test";

export type ChaosMode =
  | { mode: "pass" }
  | { mode: "refuse" }
  | { mode: "hang" }
  | { mode: "cut"; nth?: number }
  | { mode: "slow"; rttMs: number }
  | { mode: "flap"; periodMs: number }
  | { mode: "error"; code?: string };

export interface ChaosStats {
  mode: string;
  connections: number;
  /** Requests forwarded to the endpoint. */
  requests: number;
  /** Answers passed back in full. */
  answered: number;
  cut: number;
  refused: number;
}

export interface ChaosProxy {
  /** The DATABASE_HTTP_ENDPOINT that goes through this proxy. */
  url: string;
  set(mode: ChaosMode): Promise<ChaosStats>;
  stats(): Promise<ChaosStats>;
  close(): Promise<void>;
}

/** DATABASE_TIMEOUT_MS in the chaos tests: short, so a hung database costs the suite little. */
export const CHAOS_TIMEOUT_MS = 1_000;

/** What the service promises (README): an answer within DATABASE_TIMEOUT_MS + 1 s. */
export function answerBound(timeoutMs: number): number {
  return timeoutMs + 1_000;
}

/**
 * Added to every bound the tests check: a 2-core CI machine running other
 * suites can stall any request this long. The promise is what is checked; a
 * database wait with no deadline takes forever, far past this.
 */
export const LOADED_MACHINE_HEADROOM_MS = 2_000;

async function control(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${env.TEST_CHAOS_URL}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`chaos controller: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** A new proxy in `mode`, forwarding to the suite's endpoint. */
export async function chaosProxy(mode: ChaosMode = { mode: "pass" }): Promise<ChaosProxy> {
  const { port, url } = (await control("POST", "/proxies", mode)) as { port: number; url: string };
  return {
    url,
    set: (next) => control("POST", `/proxies/${port}`, next),
    stats: () => control("GET", `/proxies/${port}`),
    close: () => control("DELETE", `/proxies/${port}`).then(() => undefined),
  };
}

/** Bindings that send the worker's statements through `proxy`, with this deadline. */
export function through(proxy: ChaosProxy, timeoutMs = CHAOS_TIMEOUT_MS): Record<string, string> {
  return { DATABASE_HTTP_ENDPOINT: proxy.url, DATABASE_TIMEOUT_MS: String(timeoutMs) };
}
