/** Typed access to the suite's one wait (eventually.mjs, shared with the Node scripts). */
import { eventually as poll, POLL_INTERVAL_MS } from "./eventually.mjs";

export { POLL_INTERVAL_MS };

/**
 * Calls `probe` until `done(value)` is true and returns that value; throws after
 * `timeoutMs` with `what` and the last value seen.
 */
export function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  return poll(what, probe, done, timeoutMs);
}
