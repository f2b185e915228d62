/**
 * The one way the suite waits for something that happens a moment later (a
 * queued code reaching the fake provider, a dead-lettered challenge, a server
 * starting): poll a condition until it holds or a deadline passes, then fail
 * with what was last seen. There is no other wait in the suite: no fixed sleep
 * anywhere. Plain JavaScript, so the Node scripts (the browser test) share it;
 * eventually.ts gives it its types.
 */

/** How often a condition is polled. Short: the things waited for take milliseconds. */
export const POLL_INTERVAL_MS = 25;

/**
 * Calls `probe` until `done(value)` is true and returns that value; throws after
 * `timeoutMs` with `what` and the last value seen.
 * @template T
 * @param {string} what
 * @param {() => Promise<T>} probe
 * @param {(value: T) => boolean} done
 * @param {number} [timeoutMs]
 * @returns {Promise<T>}
 */
export async function eventually(what, probe, done, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)?.slice(0, 500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
