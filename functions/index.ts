/**
 * The worker entry: the HTTP API (./app.ts, every function composed), the
 * delivery queue's consumer and the cleanup cron.
 */
import { app } from "./app";
import { cleanup } from "./cleanup";
import { deliveryConsumer } from "./delivery-consumer";

export default {
  fetch: app.fetch,
  queue: deliveryConsumer,
  scheduled: cleanup,
} satisfies ExportedHandler<Env>;
