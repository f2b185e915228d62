// Property: a recovery code signs in once. An unused code of the account (its
// MAC under any key the proof carries, as after a key rotation) verifies a
// recovery challenge and is used in the same step, logged as
// recovery_code_used; a used code, a replaced one or another account's is a
// wrong code, counted like any other; of parallel verifies of one code on
// separate challenges exactly one wins (on Postgres: separate requests on
// separate sessions, queueing on the code's row).
import { describe, expect, it } from "vitest";
import { anAuthenticator, aRecoveryChallenge, KEY_ID, recoveryCodes, recoveryProof, storeStep } from "../support/authenticator";
import { CLIENT, newRefresh, proof, verified, verifyOptions } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const PARALLEL = 6;

describe.each(stores)("$name store: recovery codes are single-use", (kind) => {
  const h = useHarness(kind);

  const consume = (id: string, p: Awaited<ReturnType<typeof recoveryProof>>) => h.store.consumeChallenge(id, p, verifyOptions());
  const remaining = async (email: string) => (await h.store.findUserForLogin(email, [])).user?.recoveryRemaining;

  it("verifies with an unused code once, uses it, and logs it", async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 3);
    const [first, second] = [await aRecoveryChallenge(h.store, auth.user), await aRecoveryChallenge(h.store, auth.user)];
    const [code, other] = auth.recovery.codes;
    expect(await remaining(auth.user.email)).toBe(10);
    expect(await consume(first, await recoveryProof(code!))).toEqual(verified(auth.user.id, { factor: "recovery" }));
    expect(await h.recoveryCodes(auth.user.id)).toEqual({ unused: 9, used: 1 });
    expect(await remaining(auth.user.email)).toBe(9);
    expect(await consume(second, await recoveryProof(code!))).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    expect(await consume(second, await recoveryProof(other!))).toEqual(verified(auth.user.id, { factor: "recovery" }));
    expect((await h.events(auth.user.id)).map(({ type, factor }) => [type, factor])).toEqual([
      ["login_succeeded", "email"],
      ["factor_enrolled", "totp"],
      ["login_succeeded", "recovery"],
      ["recovery_code_used", "recovery"],
      ["login_failed", "recovery"],
      ["login_succeeded", "recovery"],
      ["recovery_code_used", "recovery"],
    ]);
  });

  it("refuses another account's code, a replaced code and a bare MAC, each a wrong code", async () => {
    const step = await storeStep(h.store);
    const [auth, stranger] = [await anAuthenticator(h.store, step - 3), await anAuthenticator(h.store, step - 3)];
    const challenge = await aRecoveryChallenge(h.store, auth.user);
    expect(await consume(challenge, await recoveryProof(stranger.recovery.codes[0]!))).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    // The challenge keeps an empty code MAC: an empty MAC and no recovery MACs is no code.
    expect(await consume(challenge, proof(""))).toEqual({ outcome: "wrong_code", attemptsRemaining: 3 });
    const fresh = await recoveryCodes();
    expect(await h.store.replaceRecoveryCodes(auth.session.caller, { macs: fresh.macs, keyId: KEY_ID }, CLIENT)).toBe(true);
    expect(await consume(challenge, await recoveryProof(auth.recovery.codes[1]!))).toEqual({ outcome: "wrong_code", attemptsRemaining: 2 });
    expect(await consume(challenge, await recoveryProof(fresh.codes[0]!))).toEqual(verified(auth.user.id, { factor: "recovery" }));
    expect(await h.user(auth.user.id)).toEqual({ failedOtpCount: 0, locked: false });
  });

  it(`signs in once when one code races on ${PARALLEL} challenges`, async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 3);
    const challenges = await Promise.all(Array.from({ length: PARALLEL }, () => aRecoveryChallenge(h.store, auth.user)));
    const presented = await recoveryProof(auth.recovery.codes[0]!);
    const refreshes = challenges.map(() => newRefresh());
    const outcomes = await Promise.all(challenges.map((id, i) => h.racing.consumeChallenge(id, presented, verifyOptions({ refresh: refreshes[i]! }))));
    expect(outcomes.filter((o) => o.outcome === "verified")).toEqual([verified(auth.user.id, { factor: "recovery" })]);
    expect(outcomes.filter((o) => o.outcome === "wrong_code")).toEqual(new Array(PARALLEL - 1).fill({ outcome: "wrong_code", attemptsRemaining: 4 }));
    expect((await Promise.all(refreshes.map((r) => h.family(r.familyId)))).filter((f) => f !== null)).toHaveLength(1);
    expect(await h.recoveryCodes(auth.user.id)).toEqual({ unused: 9, used: 1 });
  });
});
