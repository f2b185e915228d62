// Property: starting a password reset says nothing about the address. Every
// counter (the client's, the address's, the cooldown) is bumped for every
// address, known or not; for an existing account within its limits a reset is
// stored (and the account's language given), otherwise, for an unknown
// address, past the per-account limit or inside the cooldown, nothing is stored
// and the answer is the same silent one. Only the client's own limit is
// reported (ip_limited, with the seconds left in its window), and then nothing
// is stored either. Under concurrency the counting is exact.
import { describe, expect, it } from "vitest";
import type { ResetStart } from "../../functions/core/account/reset-store";
import { aUser, hitOf, ipHit, secretLike, uniqueKey } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const TTL = 900;

describe.each(stores)("$name store: starting a reset", (kind) => {
  const h = useHarness(kind);

  /** A reset request for `email`, with this test's own counters. */
  const request = (email: string, limits: { ip?: number; account?: number; cooldown?: boolean } = {}) => {
    const keys = { ip: uniqueKey("reset_ip"), account: uniqueKey("reset_account"), cooldown: uniqueKey("reset_cooldown") };
    const start = (): ResetStart & { id: string; codeMac: string } => ({
      id: crypto.randomUUID(),
      email,
      codeMac: secretLike(),
      ttlSeconds: TTL,
      maxAttempts: 5,
      ipHit: hitOf(keys.ip, limits.ip ?? 1_000, 3_600),
      accountHits: [hitOf(keys.account, limits.account ?? 1_000, 3_600), ...(limits.cooldown ? [hitOf(keys.cooldown, 1, 60)] : [])],
    });
    return { keys, start };
  };
  /** Whether a reset was stored under this id: its code checks out. */
  const stored = async (reset: { id: string; codeMac: string }) => (await h.store.checkResetCode(reset.id, reset.codeMac, ipHit())).outcome === "ok";

  it("stores a reset for an existing account and answers in its language", async () => {
    const user = await aUser(h.store, { locale: "pt-BR" });
    const { keys, start } = request(user.email);
    const reset = start();
    expect(await h.store.startReset(reset)).toEqual({ outcome: "started", locale: "pt-BR" });
    expect(await stored(reset)).toBe(true);
    expect([await h.counter(keys.ip), await h.counter(keys.account)]).toEqual([1, 1]);
  });

  it("answers an unknown address silently, storing nothing and counting everything", async () => {
    const { keys, start } = request(`ghost-${crypto.randomUUID()}@example.test`, { cooldown: true });
    const reset = start();
    expect(await h.store.startReset(reset)).toEqual({ outcome: "silent" });
    expect(await stored(reset)).toBe(false);
    expect([await h.counter(keys.ip), await h.counter(keys.account), await h.counter(keys.cooldown)]).toEqual([1, 1, 1]);
  });

  it("answers silently past the account's limit or inside the cooldown, and starts again after them", async () => {
    const user = await aUser(h.store);
    const { keys, start } = request(user.email, { account: 3, cooldown: true });
    expect((await h.store.startReset(start())).outcome).toBe("started");
    const early = start();
    expect(await h.store.startReset(early)).toEqual({ outcome: "silent" });
    await h.elapse(60);
    expect((await h.store.startReset(start())).outcome).toBe("started");
    await h.elapse(60);
    const over = start();
    expect(await h.store.startReset(over)).toEqual({ outcome: "silent" });
    expect([await stored(early), await stored(over)]).toEqual([false, false]);
    expect([await h.counter(keys.ip), await h.counter(keys.account)]).toEqual([4, 4]);
    await h.elapse(3_600);
    expect((await h.store.startReset(start())).outcome).toBe("started");
  });

  it("reports only the client's limit, with its seconds left, and stores nothing then", async () => {
    const user = await aUser(h.store);
    const { keys, start } = request(user.email, { ip: 1 });
    expect((await h.store.startReset(start())).outcome).toBe("started");
    await h.elapse(600);
    const limited = start();
    expect(await h.store.startReset(limited)).toEqual({ outcome: "ip_limited", retryAfterSeconds: h.seconds(3_000) });
    expect(await stored(limited)).toBe(false);
    expect([await h.counter(keys.ip), await h.counter(keys.account)]).toEqual([2, 2]);
    // An unknown address meets the same client limit with the same answer.
    const ghost = request(`ghost-${crypto.randomUUID()}@example.test`, { ip: 0 });
    expect(await h.store.startReset(ghost.start())).toEqual({ outcome: "ip_limited", retryAfterSeconds: h.seconds(3_600) });
  });

  it("starts exactly as many resets as the account's limit allows when 16 requests race", async () => {
    const user = await aUser(h.store);
    const { keys, start } = request(user.email, { account: 5 });
    const resets = Array.from({ length: 16 }, start);
    const outcomes = await Promise.all(resets.map((reset) => h.racing.startReset(reset)));
    expect(outcomes.filter((o) => o.outcome === "started")).toHaveLength(5);
    expect(outcomes.filter((o) => o.outcome === "silent")).toHaveLength(11);
    expect((await Promise.all(resets.map(stored))).filter(Boolean)).toHaveLength(5);
    expect([await h.counter(keys.ip), await h.counter(keys.account)]).toEqual([16, 16]);
  });
});
