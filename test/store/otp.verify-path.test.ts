// Property: the one verify path decides a code in one atomic step. The right code
// verifies once and opens the refresh family; each wrong code costs one attempt
// and says how many are left; an expired, used, unknown or exhausted challenge is
// gone (even for the right code, and without costing anything); the client's
// verify is counted first, and a client over its limit changes nothing else; a
// step that fails leaves everything as it was. A right code proves the address
// or number it went to, and answers with the factor, the sign-in time, the
// account's language and the new session's public id.
import { describe, expect, it } from "vitest";
import { aChallenge, aPhone, aUser, CHALLENGE, CLIENT, ipHit, LOCKOUT, newRefresh, proof, secretLike, verified } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: the verify path", (kind) => {
  const h = useHarness(kind);

  const consume = (id: string, mac: string, options: { ip?: ReturnType<typeof ipHit>; refresh?: ReturnType<typeof newRefresh> } = {}) =>
    h.store.consumeChallenge(id, proof(mac), { ipHit: options.ip ?? ipHit(), refresh: options.refresh ?? newRefresh(), lockout: LOCKOUT, client: CLIENT });

  it("verifies the right code once and opens its refresh family", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const refresh = newRefresh(3_600);
    expect(await consume(challenge.id, challenge.mac, { refresh })).toEqual(verified(user.id, { sid: refresh.sid, authTime: h.epoch() }));
    expect(await h.family(refresh.familyId)).toEqual({ revoked: false, rotated: false });
    expect(await h.store.rotateRefresh(refresh.familyId, refresh.tokenHash, secretLike(), CLIENT)).toEqual({
      outcome: "rotated",
      userId: user.id,
      expiresInSeconds: h.seconds(3_600, "floor"),
      session: { authTime: h.epoch(), factor: "email", sid: refresh.sid },
      retried: false,
    });

    const again = newRefresh();
    expect(await consume(challenge.id, challenge.mac, { refresh: again })).toEqual({ outcome: "gone" });
    expect(await h.family(again.familyId)).toBeNull();
    expect(await h.challenge(challenge.id)).toMatchObject({ consumed: true, attempts: 0 });
  });

  it("counts down attempts on wrong codes, then refuses even the right code", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    for (let remaining = CHALLENGE.maxAttempts - 1; remaining >= 0; remaining--) {
      expect(await consume(challenge.id, secretLike())).toEqual({ outcome: "wrong_code", attemptsRemaining: remaining });
    }
    const refresh = newRefresh();
    expect(await consume(challenge.id, challenge.mac, { refresh })).toEqual({ outcome: "gone" });
    expect(await h.challenge(challenge.id)).toMatchObject({ attempts: CHALLENGE.maxAttempts, consumed: false });
    expect(await h.family(refresh.familyId)).toBeNull();
    // Guesses on a spent challenge cost the account nothing more.
    expect(await h.user(user.id)).toEqual({ failedOtpCount: CHALLENGE.maxAttempts, locked: false });
  });

  it("honours a challenge's own attempt cap", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user, { maxAttempts: 1 });
    expect(await consume(challenge.id, secretLike())).toEqual({ outcome: "wrong_code", attemptsRemaining: 0 });
    expect(await consume(challenge.id, challenge.mac)).toEqual({ outcome: "gone" });
  });

  it("keeps a challenge until its expiry, then refuses even the right code without counting it", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    await h.elapse(CHALLENGE.ttlSeconds - 1);
    expect(await consume(challenge.id, secretLike())).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    await h.elapse(1);
    expect(await consume(challenge.id, challenge.mac)).toEqual({ outcome: "gone" });
    expect(await consume(challenge.id, secretLike())).toEqual({ outcome: "gone" });
    expect(await h.challenge(challenge.id)).toMatchObject({ attempts: 1, consumed: false });
    expect(await h.user(user.id)).toEqual({ failedOtpCount: 1, locked: false });
  });

  it("answers an unknown challenge as gone, and counts the client's verify anyway", async () => {
    const ip = ipHit();
    expect(await consume(crypto.randomUUID(), secretLike(), { ip })).toEqual({ outcome: "gone" });
    expect(await h.counter(ip.key)).toBe(1);
  });

  it("does not let one challenge's code open another", async () => {
    const user = await aUser(h.store);
    const [a, b] = [await aChallenge(h.store, user), await aChallenge(h.store, user)];
    expect(await consume(b.id, a.mac)).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    expect(await consume(a.id, a.mac)).toEqual(verified(user.id));
  });

  it("refuses a client over its verify limit before judging the code, and leaves the challenge as it was", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const ip = ipHit(1, 60);
    expect(await consume(challenge.id, secretLike(), { ip })).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    await h.elapse(10);
    const refresh = newRefresh();
    expect(await consume(challenge.id, challenge.mac, { ip, refresh })).toEqual({ outcome: "rate_limited", retryAfterSeconds: h.seconds(50) });
    expect(await consume(challenge.id, secretLike(), { ip })).toEqual({ outcome: "rate_limited", retryAfterSeconds: h.seconds(50) });
    expect(await h.challenge(challenge.id)).toMatchObject({ attempts: 1, consumed: false });
    expect(await h.user(user.id)).toEqual({ failedOtpCount: 1, locked: false });
    expect(await h.family(refresh.familyId)).toBeNull();
    expect(await h.counter(ip.key)).toBe(3);
    await h.elapse(50);
    expect(await consume(challenge.id, challenge.mac, { ip })).toEqual(verified(user.id));
  });

  it("changes nothing when the step fails (a refresh family id or a session id already in use)", async () => {
    const user = await aUser(h.store);
    const [first, second] = [await aChallenge(h.store, user), await aChallenge(h.store, user)];
    const refresh = newRefresh();
    expect((await consume(first.id, first.mac, { refresh })).outcome).toBe("verified");
    const ip = ipHit();
    const clashes = [{ ...newRefresh(), familyId: refresh.familyId }, { ...newRefresh(), sid: refresh.sid }];
    for (const clash of clashes) await expect(consume(second.id, second.mac, { ip, refresh: clash })).rejects.toThrow();
    expect(await h.challenge(second.id)).toMatchObject({ attempts: 0, consumed: false });
    expect(await h.counter(ip.key)).toBeNull();
    expect(await h.account(user.id)).toMatchObject({ emailVerified: true });
    expect((await h.events(user.id)).map((e) => e.type)).toEqual(["login_succeeded"]);
    expect(await consume(second.id, second.mac)).toEqual(verified(user.id));
  });

  it("proves the address or number a right code went to, and a wrong code proves nothing", async () => {
    const user = await aUser(h.store, { phone: aPhone() });
    const [sms, email] = [await aChallenge(h.store, user, { factor: "sms" }), await aChallenge(h.store, user)];
    await consume(sms.id, secretLike());
    await consume(email.id, secretLike());
    expect(await h.account(user.id)).toMatchObject({ emailVerified: false, phoneVerified: false });
    expect(await consume(sms.id, sms.mac)).toEqual(verified(user.id, { factor: "sms" }));
    expect(await h.account(user.id)).toMatchObject({ emailVerified: false, phoneVerified: true });
    expect(await consume(email.id, email.mac)).toEqual(verified(user.id, { factor: "email" }));
    expect(await h.account(user.id)).toMatchObject({ emailVerified: true, phoneVerified: true });
  });

  it("answers in the account's language", async () => {
    const user = await aUser(h.store, { locale: "pt-BR" });
    const challenge = await aChallenge(h.store, user);
    expect(await consume(challenge.id, challenge.mac)).toEqual(verified(user.id, { locale: "pt-BR" }));
  });

  it("refuses a challenge id that is not a uuid", async () => {
    await expect(consume("not-a-challenge", secretLike())).rejects.toThrow();
  });
});
