// Property: under concurrency every guess is counted exactly once: 200 parallel
// wrong guesses from one client against 40 challenges (of 40 accounts) leave each
// challenge at exactly 5 attempts, each account with a streak of exactly 5, and
// the client's counter at exactly 200. With the client's limit at 150, exactly
// 150 guesses are judged and 50 refused, and the refused ones cost no attempt.
// On Postgres the guesses race from 10 clients at once, on the endpoint's pooled sessions.
import { describe, expect, it } from "vitest";
import type { ConsumeResult } from "../../functions/core/signin/store";
import { aChallenge, aUser, CLIENT, hitOf, LOCKOUT, newRefresh, pooled, proof, secretLike, uniqueKey } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: exact counting under concurrency", (kind) => {
  const h = useHarness(kind);

  async function guesses(limit: number) {
    const lanes = h.lanes(10);
    const challenges = await pooled(Array.from({ length: 40 }, () => async () => aChallenge(lanes, await aUser(lanes))));
    const ip = hitOf(uniqueKey("verify_ip"), limit, 60);
    const tasks = challenges.flatMap(({ id }) =>
      Array.from({ length: 5 }, () => () => lanes.consumeChallenge(id, proof(secretLike()), { ipHit: ip, refresh: newRefresh(), lockout: { ...LOCKOUT, lockAfter: 100 }, client: CLIENT })),
    );
    const results: ConsumeResult[] = await pooled(tasks, 25);
    const attempts = (await h.challenges(challenges.map((c) => c.id))).map((c) => c!.attempts);
    const streaks = (await h.users(challenges.map((c) => c.userId))).map((u) => u!.failedOtpCount);
    return { results, attempts, streaks, counter: await h.counter(ip.key) };
  }

  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

  it("counts 200 parallel wrong guesses exactly, on challenges, accounts and the client", async () => {
    const { results, attempts, streaks, counter } = await guesses(1_000);
    expect(results.every((r) => r.outcome === "wrong_code")).toBe(true);
    expect(attempts).toEqual(new Array(40).fill(5));
    expect(streaks).toEqual(new Array(40).fill(5));
    expect(counter).toBe(200);
  });

  it("judges exactly as many guesses as the limit allows and refuses the rest", async () => {
    const { results, attempts, streaks, counter } = await guesses(150);
    expect(results.filter((r) => r.outcome === "wrong_code")).toHaveLength(150);
    expect(results.filter((r) => r.outcome === "rate_limited")).toHaveLength(50);
    expect(sum(attempts)).toBe(150);
    expect(sum(streaks)).toBe(150);
    expect(counter).toBe(200);
  });
});
