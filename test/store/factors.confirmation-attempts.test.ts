// Property: a wrong code while confirming an authenticator costs what a wrong
// code at sign-in costs: one attempt of the pending factor (answered with the
// attempts left) and one on the account's streak, with its waits and its lock.
// At the cap the enrolment is spent: nothing is pending, confirming is gone and
// further failures count nothing; only a pending factor of that account counts.
import { describe, expect, it } from "vitest";
import { anAuthenticator, aPendingAuthenticator, KEY_ID, recoveryCodes, storeStep } from "../support/authenticator";
import { aUser, CHALLENGE, CLIENT, hitOf, LOCKOUT, uniqueKey } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const MAX = CHALLENGE.maxAttempts;
/** A policy that neither waits nor locks within these tests, unless a test means it to. */
const PATIENT = { ...LOCKOUT, waitAfter: 50, lockAfter: 100 };

describe.each(stores)("$name store: failed authenticator confirmations", (kind) => {
  const h = useHarness(kind);

  it("counts down the pending factor's attempts and the account's streak, then the enrolment is spent", async () => {
    const auth = await aPendingAuthenticator(h.store);
    const fail = () => h.store.failTotpConfirmation(auth.user.id, auth.factorId, MAX, PATIENT);
    for (let left = MAX - 1; left >= 0; left--) expect(await fail()).toEqual({ attemptsRemaining: left });
    expect(await h.totp(auth.user.id)).toEqual({ status: "pending", attempts: MAX, lastStep: null });
    expect(await h.user(auth.user.id)).toEqual({ failedOtpCount: MAX, locked: false });
    expect(await fail()).toBeNull();
    expect(await h.user(auth.user.id)).toEqual({ failedOtpCount: MAX, locked: false });
    expect(await h.store.pendingTotp(auth.session.caller, MAX)).toBeNull();
    expect(await h.store.confirmTotp(auth.user.id, auth.factorId, 1, MAX, { macs: (await recoveryCodes()).macs, keyId: KEY_ID }, CLIENT)).toEqual({ outcome: "gone" });
    // A higher cap, as after a configuration change, leaves it pending again: the count is on the row.
    expect(await h.store.pendingTotp(auth.session.caller, MAX + 1)).toMatchObject({ id: auth.factorId, attempts: MAX });
  });

  it("makes the account wait and locks it, as wrong codes at sign-in do", async () => {
    const auth = await aPendingAuthenticator(h.store);
    const lookup = async () => (await h.store.findUserForLogin(auth.user.email, [hitOf(uniqueKey("login_account"), 1_000)])).user!;
    const fail = () => h.store.failTotpConfirmation(auth.user.id, auth.factorId, 20, LOCKOUT);
    await fail();
    expect(await lookup()).toMatchObject({ waitSeconds: 0, locked: false });
    await fail();
    expect(await lookup()).toMatchObject({ waitSeconds: h.seconds(LOCKOUT.baseWaitSeconds), locked: false });
    for (let i = 2; i < LOCKOUT.lockAfter; i++) await fail();
    expect(await lookup()).toMatchObject({ locked: true });
    expect(await h.user(auth.user.id)).toEqual({ failedOtpCount: LOCKOUT.lockAfter, locked: true });
  });

  it("counts nothing without a pending factor of that account", async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 1);
    const stranger = await aUser(h.store);
    expect(await h.store.failTotpConfirmation(auth.user.id, auth.factorId, MAX, PATIENT)).toBeNull();
    expect(await h.store.failTotpConfirmation(stranger.id, auth.factorId, MAX, PATIENT)).toBeNull();
    expect(await h.store.failTotpConfirmation(auth.user.id, crypto.randomUUID(), MAX, PATIENT)).toBeNull();
    expect(await h.totp(auth.user.id)).toMatchObject({ status: "active", attempts: 0 });
    expect(await h.users([auth.user.id, stranger.id])).toEqual([
      { failedOtpCount: 0, locked: false },
      { failedOtpCount: 0, locked: false },
    ]);
  });
});
