// Property: login and a new challenge are counted before anything else happens.
// The login lookup bumps its counters whether or not the account exists (so an
// unknown e-mail is limited like a known one) and reports the verdict with the
// account. A new challenge is inserted only if none of its counters is over; its
// counters are bumped either way; and if the insert itself fails (an unknown
// account), nothing is counted.
import { describe, expect, it } from "vitest";
import { aUser, CLIENT, hitOf, ipHit, LOCKOUT, newMacChallenge, newRefresh, proof, secretLike, uniqueKey, verified, type MacChallenge } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: login and challenge limits", (kind) => {
  const h = useHarness(kind);

  const challengeFor = (userId: string) => newMacChallenge(userId);
  const verifies = (c: MacChallenge) =>
    h.store.consumeChallenge(c.id, proof(c.check.mac), { ipHit: ipHit(), refresh: newRefresh(), lockout: LOCKOUT, client: CLIENT });

  it("limits logins for an account, known or not, with the seconds left in the window", async () => {
    const known = await aUser(h.store);
    for (const email of [known.email, `ghost-${crypto.randomUUID()}@example.test`]) {
      const key = uniqueKey("login_account");
      for (let i = 0; i < 2; i++) expect((await h.store.findUserForLogin(email, [hitOf(key, 2, 900)])).rate).toEqual({ limited: false });
      await h.elapse(100);
      const limited = await h.store.findUserForLogin(email, [hitOf(key, 2, 900)]);
      expect(limited.rate).toEqual({ limited: true, retryAfterSeconds: h.seconds(800) });
      // The account is still read: the core decides what a limited caller learns (nothing).
      expect(limited.user?.id ?? null).toBe(email === known.email ? known.id : null);
      expect(await h.counter(key)).toBe(3);
    }
  });

  it("counts every login counter, the client's and the account's, in one call", async () => {
    const [account, client] = [uniqueKey("login_account"), uniqueKey("login_ip")];
    await h.store.findUserForLogin("nobody@example.test", [hitOf(account, 10), hitOf(client, 1)]);
    expect((await h.store.findUserForLogin("nobody@example.test", [hitOf(account, 10), hitOf(client, 1)])).rate.limited).toBe(true);
    expect([await h.counter(account), await h.counter(client)]).toEqual([2, 2]);
  });

  it("inserts a challenge under its limits, and none over them while still counting", async () => {
    const user = await aUser(h.store);
    const cooldown = uniqueKey("code_cooldown");
    const first = challengeFor(user.id);
    expect(await h.store.createChallenge(first, [hitOf(cooldown, 1, 60)])).toEqual({ outcome: "created", send: 1, expiresInSeconds: 300, resendAfterSeconds: 60 });
    expect(await h.challenge(first.id)).toMatchObject({ attempts: 0, sends: 1, consumed: false, deliveryStatus: "queued", deliveryAttempts: 0 });
    await h.elapse(15);
    const second = challengeFor(user.id);
    expect(await h.store.createChallenge(second, [hitOf(cooldown, 1, 60)])).toEqual({ outcome: "rate_limited", retryAfterSeconds: h.seconds(45) });
    expect(await h.challenge(second.id)).toBeNull();
    expect(await verifies(second)).toEqual({ outcome: "gone" });
    expect(await h.counter(cooldown)).toBe(2);
    await h.elapse(45);
    const third = challengeFor(user.id);
    expect(await h.store.createChallenge(third, [hitOf(cooldown, 1, 60)])).toMatchObject({ outcome: "created" });
    expect(await verifies(third)).toEqual(verified(user.id));
  });

  it("gives a challenge its own lifetime and attempt cap", async () => {
    const user = await aUser(h.store);
    const short = { ...challengeFor(user.id), ttlSeconds: 30, maxAttempts: 2 };
    await h.store.createChallenge(short, [hitOf(uniqueKey(), 10)]);
    const wrong = { ...short, check: { kind: "mac" as const, mac: secretLike() } };
    expect(await verifies(wrong)).toEqual({ outcome: "wrong_code", attemptsRemaining: 1 });
    await h.elapse(29);
    expect(await verifies(wrong)).toEqual({ outcome: "wrong_code", attemptsRemaining: 0 });
    await h.elapse(1);
    expect(await verifies(short)).toEqual({ outcome: "gone" });
  });

  it("fails a challenge for an unknown account without counting anything", async () => {
    const key = uniqueKey("codes_account");
    await expect(h.store.createChallenge(challengeFor(crypto.randomUUID()), [hitOf(key, 10)])).rejects.toThrow();
    expect(await h.counter(key)).toBeNull();
  });
});
