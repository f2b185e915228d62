// Property: an authenticator becomes active only by confirming its pending
// enrolment. Enrolling stores a pending one, or replaces a pending one (new id
// and secret, attempts back to none), and never touches an active one (exists);
// confirming activates it with the step it was confirmed in, logs
// factor_enrolled, gives the account recovery codes unless it has unused ones,
// and works once, for that account's pending factor only. Listing shows the
// e-mail, the phone, the authenticator and the unused recovery codes; removing
// deletes it, active or pending, and logs factor_removed (the recovery codes
// stay); replacing the recovery codes kills every old one; a secret is
// resealed only from the key it is sealed with.
import { describe, expect, it } from "vitest";
import { anAuthenticator, aPendingAuthenticator, KEY_ID, recoveryCodes, sealedLike, storeStep } from "../support/authenticator";
import { aPhone, aSession, aUser, CHALLENGE, CLIENT } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const MAX = CHALLENGE.maxAttempts;

describe.each(stores)("$name store: enrolling factors", (kind) => {
  const h = useHarness(kind);

  const confirm = (auth: { user: { id: string }; factorId: string }, step: number, macs: string[]) =>
    h.store.confirmTotp(auth.user.id, auth.factorId, step, MAX, { macs, keyId: KEY_ID }, CLIENT);

  it("keeps an enrolment pending until confirmed, and replaces a pending one, attempts and all", async () => {
    const auth = await aPendingAuthenticator(h.store);
    const first = (await h.store.pendingTotp(auth.session.caller, MAX)) as { id: string; secretSealed: string };
    expect(first).toEqual({ id: auth.factorId, secretSealed: expect.stringMatching(/^sealed:/), keyId: KEY_ID, attempts: 0 });
    expect(await h.store.failTotpConfirmation(auth.user.id, auth.factorId, MAX, { waitAfter: 50, baseWaitSeconds: 1, maxWaitSeconds: 1, lockAfter: 100 })).toEqual({ attemptsRemaining: 4 });
    const again = { id: crypto.randomUUID(), ...sealedLike("another-key") };
    expect(await h.store.enrolTotp(auth.session.caller, again)).toEqual({ status: "pending", email: auth.user.email });
    expect(await h.store.pendingTotp(auth.session.caller, MAX)).toEqual({ ...again, attempts: 0 });
    // The replaced enrolment is gone: its id confirms nothing.
    expect(await confirm(auth, 1, (await recoveryCodes()).macs)).toEqual({ outcome: "gone" });
    expect(await h.totp(auth.user.id)).toEqual({ status: "pending", attempts: 0, lastStep: null });
  });

  it("activates once, with its step, logs it, gives recovery codes, and is never replaced by a new enrolment", async () => {
    const auth = await aPendingAuthenticator(h.store);
    const step = await storeStep(h.store);
    const codes = await recoveryCodes();
    expect(await confirm(auth, step, codes.macs)).toEqual({ outcome: "confirmed", recoveryCodesCreated: true });
    expect(await h.totp(auth.user.id)).toEqual({ status: "active", attempts: 0, lastStep: step });
    expect(await h.recoveryCodes(auth.user.id)).toEqual({ unused: 10, used: 0 });
    expect(await confirm(auth, step + 1, codes.macs)).toEqual({ outcome: "gone" });
    expect(await h.store.pendingTotp(auth.session.caller, MAX)).toBeNull();
    expect(await h.store.enrolTotp(auth.session.caller, { id: crypto.randomUUID(), ...sealedLike() })).toEqual({ status: "exists" });
    expect(await h.totp(auth.user.id)).toEqual({ status: "active", attempts: 0, lastStep: step });
    expect(await h.events(auth.user.id)).toEqual([
      { type: "login_succeeded", factor: "email", ...CLIENT },
      { type: "factor_enrolled", factor: "totp", ...CLIENT },
    ]);
  });

  it("keeps unused recovery codes when a new authenticator is confirmed", async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 1);
    expect(await h.store.removeTotp(auth.session.caller, CLIENT)).toBe("removed");
    expect(await h.recoveryCodes(auth.user.id)).toEqual({ unused: 10, used: 0 });
    const factorId = crypto.randomUUID();
    expect(await h.store.enrolTotp(auth.session.caller, { id: factorId, ...sealedLike() })).toMatchObject({ status: "pending" });
    expect(await confirm({ user: auth.user, factorId }, 1, (await recoveryCodes()).macs)).toEqual({ outcome: "confirmed", recoveryCodesCreated: false });
    expect(await h.recoveryCodes(auth.user.id)).toEqual({ unused: 10, used: 0 });
  });

  it("confirms only the account's own pending factor", async () => {
    const [auth, other] = [await aPendingAuthenticator(h.store), await aUser(h.store)];
    const macs = (await recoveryCodes()).macs;
    expect(await confirm({ user: other, factorId: auth.factorId }, 1, macs)).toEqual({ outcome: "gone" });
    expect(await confirm({ user: auth.user, factorId: crypto.randomUUID() }, 1, macs)).toEqual({ outcome: "gone" });
    expect(await h.totp(auth.user.id)).toMatchObject({ status: "pending" });
    expect(await h.recoveryCodes(other.id)).toEqual({ unused: 0, used: 0 });
  });

  it("lists the e-mail, the phone, the authenticator and the unused recovery codes", async () => {
    const user = await aUser(h.store, { phone: aPhone() });
    await h.elapse(60);
    const session = await aSession(h.store, user);
    const created = h.timestamp(-60);
    expect(await h.store.listFactors(session.caller)).toEqual({
      factors: [
        { id: "email", type: "email", status: "active", destination: user.email, createdAt: created, lastUsedAt: h.timestamp() },
        { id: "sms", type: "sms", status: "active", destination: user.phone, createdAt: created, lastUsedAt: null },
      ],
      recoveryRemaining: 0,
    });
    const factorId = crypto.randomUUID();
    await h.store.enrolTotp(session.caller, { id: factorId, ...sealedLike() });
    const pending = { id: factorId, type: "totp", status: "pending", destination: null, createdAt: h.timestamp(), lastUsedAt: null };
    expect((await h.store.listFactors(session.caller))?.factors[2]).toEqual(pending);
    await h.elapse(30);
    await confirm({ user, factorId }, await storeStep(h.store), (await recoveryCodes()).macs);
    expect(await h.store.listFactors(session.caller)).toEqual({
      factors: [expect.objectContaining({ id: "email" }), expect.objectContaining({ id: "sms" }), { ...pending, status: "active", createdAt: h.timestamp(-30), lastUsedAt: h.timestamp() }],
      recoveryRemaining: 10,
    });
  });

  it("removes an authenticator, active or pending, and logs it; the recovery codes stay", async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 1);
    expect(await h.store.removeTotp(auth.session.caller, CLIENT)).toBe("removed");
    expect(await h.totp(auth.user.id)).toBeNull();
    expect(await h.store.removeTotp(auth.session.caller, CLIENT)).toBe("none");
    await h.store.enrolTotp(auth.session.caller, { id: crypto.randomUUID(), ...sealedLike() });
    expect(await h.store.removeTotp(auth.session.caller, CLIENT)).toBe("removed");
    expect(await h.totp(auth.user.id)).toBeNull();
    expect(await h.recoveryCodes(auth.user.id)).toEqual({ unused: 10, used: 0 });
    expect((await h.events(auth.user.id)).map((e) => [e.type, e.factor])).toEqual([
      ["login_succeeded", "email"],
      ["factor_enrolled", "totp"],
      ["factor_removed", "totp"],
      ["factor_removed", "totp"],
    ]);
  });

  it("replaces every recovery code, used or not, and logs it", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    const [first, second] = [await recoveryCodes(), await recoveryCodes()];
    expect(await h.store.replaceRecoveryCodes(session.caller, { macs: first.macs, keyId: KEY_ID }, CLIENT)).toBe(true);
    expect(await h.recoveryCodes(user.id)).toEqual({ unused: 10, used: 0 });
    expect(await h.store.replaceRecoveryCodes(session.caller, { macs: second.macs.slice(0, 3), keyId: KEY_ID }, CLIENT)).toBe(true);
    expect(await h.recoveryCodes(user.id)).toEqual({ unused: 3, used: 0 });
    expect((await h.events(user.id)).map((e) => e.type)).toEqual(["login_succeeded", "recovery_codes_regenerated", "recovery_codes_regenerated"]);
    await expect(h.store.replaceRecoveryCodes(session.caller, { macs: [], keyId: KEY_ID }, CLIENT)).rejects.toThrow();
    // The old codes and the new ones meet in one step: a new code that repeats an old one fails it, changing nothing.
    await expect(h.store.replaceRecoveryCodes(session.caller, { macs: [second.macs[0]!, first.macs[0]!], keyId: KEY_ID }, CLIENT)).rejects.toThrow();
    expect(await h.recoveryCodes(user.id)).toEqual({ unused: 3, used: 0 });
    expect((await h.events(user.id)).map((e) => e.type)).toHaveLength(3);
  });

  it("lists secrets sealed under a key, and reseals one only from the key it holds", async () => {
    const [old, current] = [`old-${crypto.randomUUID()}`, `current-${crypto.randomUUID()}`];
    const auths = [await aPendingAuthenticator(h.store, old), await aPendingAuthenticator(h.store, old)];
    const sealedWith = async (keyId: string) => (await h.store.totpSealedWith(keyId, 10)).map((f) => f.id).sort();
    expect(await sealedWith(old)).toEqual(auths.map((a) => a.factorId).sort());
    expect(await h.store.totpSealedWith(old, 1)).toHaveLength(1);
    const resealed = { secretSealed: "sealed:again", keyId: current };
    await h.store.resealTotp(auths[0]!.factorId, current, resealed);
    expect(await sealedWith(current)).toEqual([]);
    await h.store.resealTotp(auths[0]!.factorId, old, resealed);
    expect(await h.store.totpSealedWith(current, 10)).toEqual([{ id: auths[0]!.factorId, ...resealed }]);
    expect(await sealedWith(old)).toEqual([auths[1]!.factorId]);
  });
});
