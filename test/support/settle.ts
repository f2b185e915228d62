/**
 * Runs after each test file: waits for the delivery queue to settle. Codes go
 * out through the queue about a second after the request that queued them
 * (max_batch_timeout), and the consumer logs when it sends; a log line that
 * arrives after the file's environment is torn down is an unhandled error for
 * vitest ("Closing rpc while onUserConsoleLog was pending").
 */
import { afterAll } from "vitest";

const QUEUE_SETTLE_MS = 2_500;

afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, QUEUE_SETTLE_MS));
});
