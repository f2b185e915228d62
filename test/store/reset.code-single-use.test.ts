// Property: a reset code is checked without being used, and used once. A wrong
// code costs the reset one attempt (answered with the attempts left) and never
// touches the account's sign-in streak; at the cap, or past its lifetime, the
// reset is gone even for the right code; the client's counter is bumped first
// and, over its limit, nothing else happens. Completing needs the right, unused
// code: in the same step it sets the password, proves the address, ends every
// session of the account and logs password_reset, leaving the streak, the wait
// and the lock as they were. A reset is no sign-in challenge, nor the reverse.
// Of parallel completions exactly one wins; parallel wrong checks are each
// counted once, never past the cap.
import { describe, expect, it } from "vitest";
import type { ResetStart } from "../../functions/core/account/reset-store";
import { aChallenge, aSession, aUser, CLIENT, hitOf, ipHit, LOCKOUT, proof, secretLike, uniqueKey, verifyOptions, type User } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const TTL = 900;
const MAX = 5;

describe.each(stores)("$name store: reset codes", (kind) => {
  const h = useHarness(kind);

  /** A stored reset of `user`'s password: its id and code MAC. */
  async function aReset(user: User): Promise<{ id: string; mac: string }> {
    const reset: ResetStart = {
      id: crypto.randomUUID(),
      email: user.email,
      codeMac: secretLike(),
      ttlSeconds: TTL,
      maxAttempts: MAX,
      ipHit: hitOf(uniqueKey("reset_ip"), 1_000, 3_600),
      accountHits: [hitOf(uniqueKey("reset_account"), 1_000, 3_600)],
    };
    expect((await h.store.startReset(reset)).outcome).toBe("started");
    return { id: reset.id, mac: reset.codeMac };
  }
  const check = (reset: { id: string }, mac: string, ip = ipHit()) => h.store.checkResetCode(reset.id, mac, ip);
  const complete = (reset: { id: string }, mac: string, hash = `hash-${secretLike()}`) => h.store.completeReset(reset.id, mac, hash, CLIENT);

  it("checks a right code without using it, then uses it once to set the password", async () => {
    const user = await aUser(h.store);
    const reset = await aReset(user);
    expect(await check(reset, reset.mac)).toEqual({ outcome: "ok" });
    expect(await check(reset, reset.mac)).toEqual({ outcome: "ok" });
    expect(await complete(reset, reset.mac, "hash-new")).toEqual({ userId: user.id });
    expect(await h.account(user.id)).toMatchObject({ passwordHash: "hash-new", emailVerified: true });
    expect(await check(reset, reset.mac)).toEqual({ outcome: "gone" });
    expect(await complete(reset, reset.mac, "hash-again")).toBeNull();
    expect(await h.account(user.id)).toMatchObject({ passwordHash: "hash-new" });
    expect(await h.events(user.id)).toEqual([{ type: "password_reset", factor: null, ...CLIENT }]);
  });

  it("counts wrong codes on the reset only, down to the cap, after which even the right code is gone", async () => {
    const user = await aUser(h.store);
    const reset = await aReset(user);
    for (let left = MAX - 1; left >= 0; left--) expect(await check(reset, secretLike())).toEqual({ outcome: "wrong_code", attemptsRemaining: left });
    expect(await check(reset, reset.mac)).toEqual({ outcome: "gone" });
    expect(await complete(reset, reset.mac)).toBeNull();
    // Knowing an address must not be enough to lock its account.
    expect(await h.user(user.id)).toEqual({ failedOtpCount: 0, locked: false });
    expect(await h.challenge(reset.id)).toMatchObject({ attempts: MAX, consumed: false });
  });

  it("does not count a wrong completion, and is gone after its lifetime", async () => {
    const user = await aUser(h.store);
    const reset = await aReset(user);
    expect(await complete(reset, secretLike())).toBeNull();
    expect(await h.challenge(reset.id)).toMatchObject({ attempts: 0, consumed: false });
    await h.elapse(TTL - 1);
    expect(await check(reset, reset.mac)).toEqual({ outcome: "ok" });
    await h.elapse(1);
    expect(await check(reset, reset.mac)).toEqual({ outcome: "gone" });
    expect(await complete(reset, reset.mac)).toBeNull();
  });

  it("refuses a client over its limit before judging the code, and changes nothing", async () => {
    const reset = await aReset(await aUser(h.store));
    const ip = ipHit(1, 60);
    expect(await check(reset, secretLike(), ip)).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    await h.elapse(20);
    expect(await check(reset, secretLike(), ip)).toEqual({ outcome: "rate_limited", retryAfterSeconds: h.seconds(40) });
    expect(await check(reset, reset.mac, ip)).toEqual({ outcome: "rate_limited", retryAfterSeconds: h.seconds(40) });
    expect(await h.challenge(reset.id)).toMatchObject({ attempts: 1 });
    expect(await h.counter(ip.key)).toBe(3);
  });

  it("ends every session and leaves the streak, the wait and the lock as they were", async () => {
    const user = await aUser(h.store);
    const sessions = [await aSession(h.store, user), await aSession(h.store, user)];
    const spent = await aChallenge(h.store, user, { maxAttempts: 20 });
    for (let i = 0; i < LOCKOUT.lockAfter; i++) await h.store.consumeChallenge(spent.id, proof(secretLike()), verifyOptions());
    const before = { user: await h.user(user.id), waiting: (await h.account(user.id))!.waiting };
    expect(before).toEqual({ user: { failedOtpCount: LOCKOUT.lockAfter, locked: true }, waiting: true });
    const reset = await aReset(user);
    expect(await complete(reset, reset.mac)).toEqual({ userId: user.id });
    expect(await Promise.all(sessions.map((s) => h.family(s.id)))).toEqual([
      { revoked: true, rotated: false },
      { revoked: true, rotated: false },
    ]);
    expect({ user: await h.user(user.id), waiting: (await h.account(user.id))!.waiting }).toEqual(before);
  });

  it("keeps resets and sign-in challenges apart", async () => {
    const user = await aUser(h.store);
    const [reset, challenge] = [await aReset(user), await aChallenge(h.store, user)];
    expect(await check(challenge, challenge.mac)).toEqual({ outcome: "gone" });
    expect(await complete(challenge, challenge.mac)).toBeNull();
    expect(await h.store.consumeChallenge(reset.id, proof(reset.mac), verifyOptions())).toEqual({ outcome: "gone" });
    expect(await h.challenges([reset.id, challenge.id])).toEqual([expect.objectContaining({ attempts: 0, consumed: false }), expect.objectContaining({ attempts: 0, consumed: false })]);
  });

  it("completes once when 8 completions race, and counts 12 racing wrong checks exactly", async () => {
    const user = await aUser(h.store);
    const reset = await aReset(user);
    const hashes = Array.from({ length: 8 }, (_, i) => `hash-${i}-${secretLike()}`);
    const outcomes = await Promise.all(hashes.map((hash) => h.racing.completeReset(reset.id, reset.mac, hash, CLIENT)));
    expect(outcomes.filter((o) => o !== null)).toEqual([{ userId: user.id }]);
    expect((await h.account(user.id))!.passwordHash).toBe(hashes[outcomes.findIndex((o) => o !== null)]);
    expect((await h.events(user.id)).map((e) => e.type)).toEqual(["password_reset"]);

    const other = await aReset(user);
    const checks = await Promise.all(Array.from({ length: 12 }, () => h.racing.checkResetCode(other.id, secretLike(), ipHit())));
    expect(checks.flatMap((c) => (c.outcome === "wrong_code" ? [c.attemptsRemaining] : [])).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(checks.filter((c) => c.outcome === "gone")).toHaveLength(7);
    expect(await h.challenge(other.id)).toMatchObject({ attempts: MAX });
  });
});
