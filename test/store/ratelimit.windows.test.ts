// Property: a rate limit is a fixed window per key. Each hit is counted, also past
// the limit; the hit that goes over is refused with Retry-After = the seconds left
// in its window; a window that has ended restarts at 1, with the length of the hit
// that restarts it; keys are independent; a key named twice in one call is counted
// once; with several keys over, Retry-After is the latest end; no keys, no limit.
import { describe, expect, it } from "vitest";
import { hitOf, uniqueKey } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: rate-limit windows", (kind) => {
  const h = useHarness(kind);

  it("allows `limit` hits per window and refuses the next with the seconds left", async () => {
    const key = uniqueKey();
    for (let i = 1; i <= 3; i++) expect(await h.store.hitRateLimits([hitOf(key, 3, 60)])).toEqual({ limited: false });
    expect(await h.store.hitRateLimits([hitOf(key, 3, 60)])).toEqual({ limited: true, retryAfterSeconds: h.seconds(60) });
    await h.elapse(20);
    expect(await h.store.hitRateLimits([hitOf(key, 3, 60)])).toEqual({ limited: true, retryAfterSeconds: h.seconds(40) });
    // Refused hits still count.
    expect(await h.counter(key)).toBe(5);
  });

  it("restarts an ended window at 1, with the restarting hit's length", async () => {
    const key = uniqueKey();
    await h.store.hitRateLimits([hitOf(key, 1, 60)]);
    expect((await h.store.hitRateLimits([hitOf(key, 1, 60)])).limited).toBe(true);
    await h.elapse(59);
    expect(await h.store.hitRateLimits([hitOf(key, 1, 60)])).toEqual({ limited: true, retryAfterSeconds: h.seconds(1) });
    await h.elapse(1);
    expect(await h.store.hitRateLimits([hitOf(key, 1, 600)])).toEqual({ limited: false });
    expect(await h.counter(key)).toBe(1);
    expect(await h.store.hitRateLimits([hitOf(key, 1, 60)])).toEqual({ limited: true, retryAfterSeconds: h.seconds(600) });
  });

  it("keeps a live window's end whatever length later hits name", async () => {
    const key = uniqueKey();
    await h.store.hitRateLimits([hitOf(key, 1, 30)]);
    expect(await h.store.hitRateLimits([hitOf(key, 1, 3_600)])).toEqual({ limited: true, retryAfterSeconds: h.seconds(30) });
  });

  it("counts keys independently, and a key named twice in one call once", async () => {
    const [a, b] = [uniqueKey(), uniqueKey()];
    expect(await h.store.hitRateLimits([hitOf(a, 1), hitOf(a, 1), hitOf(b, 5)])).toEqual({ limited: false });
    expect(await h.counter(a)).toBe(1);
    expect(await h.counter(b)).toBe(1);
    expect(await h.store.hitRateLimits([hitOf(b, 5)])).toEqual({ limited: false });
    expect(await h.counter(b)).toBe(2);
  });

  it("counts every key of a call even when one is over, and reports the latest end among those over", async () => {
    const [short, long, free] = [uniqueKey(), uniqueKey(), uniqueKey()];
    await h.store.hitRateLimits([hitOf(short, 1, 10), hitOf(long, 1, 100)]);
    await h.elapse(5);
    expect(await h.store.hitRateLimits([hitOf(short, 1, 10), hitOf(long, 1, 100), hitOf(free, 9, 1_000)])).toEqual({ limited: true, retryAfterSeconds: h.seconds(95) });
    expect([await h.counter(short), await h.counter(long), await h.counter(free)]).toEqual([2, 2, 1]);
    // Only keys over their limit decide the wait: the free key's long window does not.
    expect(await h.store.hitRateLimits([hitOf(short, 1, 10), hitOf(free, 9, 1_000)])).toEqual({ limited: true, retryAfterSeconds: h.seconds(5) });
  });

  it("counts parallel hits on one key exactly", async () => {
    const key = uniqueKey();
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => h.racing.hitRateLimits([hitOf(key, 12, 60)])));
    expect(verdicts.filter((v) => !v.limited)).toHaveLength(12);
    expect(verdicts.filter((v) => v.limited)).toHaveLength(8);
    expect(await h.counter(key)).toBe(20);
  });

  it("counts nothing for an empty list of counters, and does not limit", async () => {
    // Factors that send nothing (TOTP, recovery codes) start challenges with no counters.
    expect(await h.store.hitRateLimits([])).toEqual({ limited: false });
  });
});
