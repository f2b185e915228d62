// Property: the verify path writes the security log in the same step that
// decides, with the challenge's factor and the client's prefix and user agent:
// a right code login_succeeded; a wrong one login_failed, and on the last
// attempt also challenge_locked, and when it locks the account also
// account_locked; a recovery code also recovery_code_used. A challenge that is
// gone, or a client over its limit, writes nothing.
import { describe, expect, it } from "vitest";
import { anAuthenticator, aRecoveryChallenge, recoveryProof, storeStep } from "../support/authenticator";
import { aChallenge, aPhone, aUser, CLIENT, ipHit, LOCKOUT, proof, secretLike, verifyOptions } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: the verify path's security log", (kind) => {
  const h = useHarness(kind);

  const types = async (userId: string) => (await h.events(userId)).map((e) => [e.type, e.factor]);

  it("logs a right code and a wrong one, with the factor and the client", async () => {
    const user = await aUser(h.store, { phone: aPhone() });
    const challenge = await aChallenge(h.store, user, { factor: "sms" });
    const client = { ipPrefix: "203.0.113.0/24", userAgent: "phone/3.1" };
    await h.store.consumeChallenge(challenge.id, proof(secretLike()), verifyOptions({ client }));
    await h.store.consumeChallenge(challenge.id, proof(challenge.mac), verifyOptions());
    expect(await h.events(user.id)).toEqual([
      { type: "login_failed", factor: "sms", ...client },
      { type: "login_succeeded", factor: "sms", ...CLIENT },
    ]);
  });

  it("logs the last attempt of a challenge and the failure that locks the account", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user, { maxAttempts: 3 });
    for (let i = 0; i < 3; i++) await h.store.consumeChallenge(challenge.id, proof(secretLike()), verifyOptions());
    expect(await types(user.id)).toEqual([
      ["login_failed", "email"],
      ["login_failed", "email"],
      ["login_failed", "email"],
      ["challenge_locked", "email"],
    ]);
    const next = await aChallenge(h.store, user, { maxAttempts: 10 });
    for (let i = 3; i < LOCKOUT.lockAfter; i++) await h.store.consumeChallenge(next.id, proof(secretLike()), verifyOptions());
    expect((await types(user.id)).slice(4)).toEqual([...new Array(4).fill(["login_failed", "email"]), ["account_locked", "email"]]);
    expect(await h.user(user.id)).toEqual({ failedOtpCount: LOCKOUT.lockAfter, locked: true });
  });

  it("logs the recovery code a sign-in used", async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 1);
    const challenge = await aRecoveryChallenge(h.store, auth.user);
    await h.store.consumeChallenge(challenge, await recoveryProof(auth.recovery.codes[0]!), verifyOptions());
    expect((await types(auth.user.id)).slice(2)).toEqual([
      ["login_succeeded", "recovery"],
      ["recovery_code_used", "recovery"],
    ]);
  });

  it("writes nothing for a gone challenge or a limited client", async () => {
    const user = await aUser(h.store);
    const [used, fresh] = [await aChallenge(h.store, user), await aChallenge(h.store, user)];
    await h.store.consumeChallenge(used.id, proof(used.mac), verifyOptions());
    await h.store.consumeChallenge(used.id, proof(secretLike()), verifyOptions());
    await h.store.consumeChallenge(fresh.id, proof(secretLike()), verifyOptions({ ipHit: ipHit(0) }));
    expect(await types(user.id)).toEqual([["login_succeeded", "email"]]);
  });
});
