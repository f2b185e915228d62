// Property: a resend replaces the code of a live challenge in one step. It waits
// for the cooldown (too_soon, with the seconds left), stops at the challenge's
// send cap (send_limit, whatever the cooldown), and counts one code against the
// account (and for SMS against the number) only when it may send, refusing over
// those limits. A renewal gives a new code (the old one stops working), a fresh
// lifetime and cooldown, and the next send number, but never new attempts. An
// expired, used, exhausted or locked challenge is gone; a live one of a factor
// that sends nothing (TOTP, recovery) is not resendable. Parallel resends send once.
import { describe, expect, it } from "vitest";
import { aChallenge, aUser, CHALLENGE, CLIENT, ipHit, LOCKOUT, newRefresh, proof, renewLimits, secretLike, verified } from "../support/store-contract";
import { anAuthenticator, aRecoveryChallenge, aTotpChallenge, storeStep } from "../support/authenticator";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: resend", (kind) => {
  const h = useHarness(kind);

  const consume = (id: string, mac: string) => h.store.consumeChallenge(id, proof(mac), { ipHit: ipHit(), refresh: newRefresh(), lockout: LOCKOUT, client: CLIENT });

  it("is too soon inside the cooldown, with the seconds left, and renews after it", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.elapse(20);
    expect(await h.store.renewChallenge(challenge.id, secretLike(), renewLimits())).toEqual({ outcome: "too_soon", retryAfterSeconds: h.seconds(40) });
    await h.elapse(39);
    expect(await h.store.renewChallenge(challenge.id, secretLike(), renewLimits())).toEqual({ outcome: "too_soon", retryAfterSeconds: h.seconds(1) });
    await h.elapse(1);
    expect(await h.store.renewChallenge(challenge.id, secretLike(), renewLimits())).toEqual({
      outcome: "renewed",
      channel: "email",
      destination: user.email,
      expiresInSeconds: CHALLENGE.ttlSeconds,
      send: 2,
      locale: "en",
    });
  });

  it("replaces the code: the old one stops working and the new one verifies", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.elapse(CHALLENGE.resendSeconds);
    const mac = secretLike();
    expect((await h.store.renewChallenge(challenge.id, mac, renewLimits())).outcome).toBe("renewed");
    expect(await consume(challenge.id, challenge.mac)).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    expect(await consume(challenge.id, mac)).toEqual(verified(user.id));
  });

  it("gives a fresh lifetime and cooldown, the next send number, and no new attempts", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    for (let i = 0; i < 3; i++) await consume(challenge.id, secretLike());
    await h.elapse(CHALLENGE.ttlSeconds - 1);
    const limits = renewLimits({ ttlSeconds: 100, resendSeconds: 10 });
    expect(await h.store.renewChallenge(challenge.id, secretLike(), limits)).toMatchObject({ outcome: "renewed", send: 2, expiresInSeconds: 100 });
    expect(await h.challenge(challenge.id)).toMatchObject({ sends: 2, attempts: 3, deliveryStatus: "queued" });
    expect(await h.store.renewChallenge(challenge.id, secretLike(), limits)).toEqual({ outcome: "too_soon", retryAfterSeconds: h.seconds(10) });
    await h.elapse(99);
    const mac = secretLike();
    expect(await h.store.renewChallenge(challenge.id, mac, limits)).toMatchObject({ outcome: "renewed", send: 3 });
    await h.elapse(99);
    expect(await consume(challenge.id, secretLike())).toEqual({ outcome: "wrong_code", attemptsRemaining: 1 });
    await h.elapse(1);
    expect(await consume(challenge.id, mac)).toEqual({ outcome: "gone" });
  });

  it("stops at the send cap, whatever the cooldown says", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const limits = renewLimits({ maxSends: 2 });
    await h.elapse(60);
    expect(await h.store.renewChallenge(challenge.id, secretLike(), limits)).toMatchObject({ outcome: "renewed", send: 2 });
    expect(await h.store.renewChallenge(challenge.id, secretLike(), limits)).toEqual({ outcome: "send_limit" });
    await h.elapse(60);
    expect(await h.store.renewChallenge(challenge.id, secretLike(), limits)).toEqual({ outcome: "send_limit" });
  });

  it("counts a code against the account only when it may send, and refuses over the account's limit", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const key = `codes_account:${user.id}`;
    const limits = renewLimits({ codesAccount: { limit: 1, windowSeconds: 1_800 }, resendSeconds: 0 });
    expect(await h.store.renewChallenge(challenge.id, secretLike(), limits)).toEqual({ outcome: "too_soon", retryAfterSeconds: h.seconds(60) });
    expect(await h.counter(key)).toBeNull();
    await h.elapse(60);
    expect((await h.store.renewChallenge(challenge.id, secretLike(), limits)).outcome).toBe("renewed");
    await h.elapse(100);
    expect(await h.store.renewChallenge(challenge.id, secretLike(), limits)).toEqual({ outcome: "rate_limited", retryAfterSeconds: h.seconds(1_700) });
    expect(await h.counter(key)).toBe(2);
    expect(await h.challenge(challenge.id)).toMatchObject({ sends: 2 });
  });

  it("counts SMS codes against the number too, and e-mail codes not", async () => {
    const phone = `+5511${String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1e9).padStart(9, "0")}`;
    const user = await aUser(h.store, { phone });
    const [sms, email] = [await aChallenge(h.store, user, { factor: "sms" }), await aChallenge(h.store, user)];
    const limits = renewLimits({ smsNumber: { limit: 1, windowSeconds: 86_400 } });
    await h.elapse(60);
    expect(await h.store.renewChallenge(email.id, secretLike(), limits)).toMatchObject({ outcome: "renewed", channel: "email", destination: user.email });
    expect(await h.counter(`sms_number:${phone}`)).toBeNull();
    expect(await h.store.renewChallenge(sms.id, secretLike(), limits)).toMatchObject({ outcome: "renewed", channel: "sms", destination: phone });
    await h.elapse(60);
    expect(await h.store.renewChallenge(sms.id, secretLike(), limits)).toEqual({ outcome: "rate_limited", retryAfterSeconds: h.seconds(86_340) });
    expect(await h.counter(`sms_number:${phone}`)).toBe(2);
    expect(await h.counter(`codes_account:${user.id}`)).toBe(3);
  });

  it("is gone for an unknown, expired, used or exhausted challenge", async () => {
    const user = await aUser(h.store);
    const [expired, used, exhausted] = [await aChallenge(h.store, user), await aChallenge(h.store, user), await aChallenge(h.store, user, { maxAttempts: 1 })];
    await consume(used.id, used.mac);
    await consume(exhausted.id, secretLike());
    await h.elapse(CHALLENGE.ttlSeconds);
    for (const id of [crypto.randomUUID(), expired.id, used.id, exhausted.id]) {
      expect(await h.store.renewChallenge(id, secretLike(), renewLimits())).toEqual({ outcome: "gone" });
    }
  });

  it("renews once when 8 resends race; the others are too soon", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.elapse(60);
    const results = await Promise.all(Array.from({ length: 8 }, () => h.racing.renewChallenge(challenge.id, secretLike(), renewLimits())));
    expect(results.filter((r) => r.outcome === "renewed")).toEqual([expect.objectContaining({ send: 2 })]);
    expect(results.filter((r) => r.outcome === "too_soon")).toHaveLength(7);
    expect(await h.challenge(challenge.id)).toMatchObject({ sends: 2 });
    expect(await h.counter(`codes_account:${user.id}`)).toBe(1);
  });

  it("answers not_resendable for a live challenge of a factor that sends nothing, counting nothing", async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 1);
    const [totp, recovery] = [await aTotpChallenge(h.store, auth), await aRecoveryChallenge(h.store, auth.user)];
    await h.elapse(CHALLENGE.resendSeconds);
    for (const id of [totp.id, recovery]) expect(await h.store.renewChallenge(id, secretLike(), renewLimits())).toEqual({ outcome: "not_resendable" });
    expect(await h.counter(`codes_account:${auth.user.id}`)).toBeNull();
    expect(await h.challenges([totp.id, recovery])).toEqual([expect.objectContaining({ sends: 1 }), expect.objectContaining({ sends: 1 })]);
    await h.elapse(CHALLENGE.ttlSeconds);
    expect(await h.store.renewChallenge(recovery, secretLike(), renewLimits())).toEqual({ outcome: "gone" });
  });

  it("makes a challenge unusable when revoked, once and for all", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.store.revokeChallenge(challenge.id);
    await h.store.revokeChallenge(challenge.id);
    await h.store.revokeChallenge(crypto.randomUUID());
    expect(await consume(challenge.id, challenge.mac)).toEqual({ outcome: "gone" });
    await h.elapse(60);
    expect(await h.store.renewChallenge(challenge.id, secretLike(), renewLimits())).toEqual({ outcome: "gone" });
  });
});
