// Property: every method of the Postgres store is exactly one SQL statement, in
// every outcome: one round trip, and atomic without a transaction, so the rules
// hold across any number of worker instances. Counted by the production client's
// own statement counter (RequestDatabase.statements()), around each call. The
// memory store has no statements: its methods are atomic because none awaits
// between reading and writing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type RequestDatabase } from "../../db/client";
import { postgresStore } from "../../db/store/index";
import type { AuthStore } from "../../functions/core/store";
import { anAuthenticator, aPendingAuthenticator, aRecoveryChallenge, aTotpChallenge, KEY_ID, recoveryCodes, recoveryProof, sealedLike, storeStep, totpProof } from "../support/authenticator";
import { aChallenge, aFamily, aPhone, aSession, aUser, CLIENT, hitOf, ipHit, LOCKOUT, newRefresh, proof, renewLimits, secretLike, uniqueKey, verifyOptions } from "../support/store-contract";
import { stores, testDatabase, useHarness } from "../support/stores";

const measured = new Set<string>();
let database: RequestDatabase;

/** Runs one call and checks it sent exactly one statement. */
async function once<T>(call: (store: AuthStore) => Promise<T>): Promise<T> {
  const recording = new Proxy(postgresStore(database.db), {
    get: (target, name: keyof AuthStore) => (measured.add(name), target[name]),
  });
  const before = database.statements();
  const result = await call(recording);
  expect(database.statements() - before).toBe(1);
  return result;
}

describe("postgres store: one statement per method", () => {
  const h = useHarness(stores.find((s) => s.name === "postgres")!);
  beforeAll(() => void (database = openDatabase(testDatabase())));

  afterAll(async () => {
    // Every method of the store was measured by some test above.
    expect([...measured].sort()).toEqual(Object.keys(postgresStore(database.db)).sort());
  });

  it("limits, accounts and health", async () => {
    const key = uniqueKey();
    expect(await once((s) => s.hitRateLimits([hitOf(key, 1)]))).toEqual({ limited: false });
    expect(await once((s) => s.hitRateLimits([hitOf(key, 1), hitOf(uniqueKey(), 1)]))).toMatchObject({ limited: true });
    const user = await aUser(h.store);
    expect(await once((s) => s.createUser({ ...user, id: crypto.randomUUID() }))).toBeNull();
    expect(await once((s) => s.createUser({ id: crypto.randomUUID(), email: `one-${crypto.randomUUID()}@example.test`, phone: null, passwordHash: "h", locale: "en" }))).not.toBeNull();
    expect(await once((s) => s.findUserById(user.id))).not.toBeNull();
    expect(await once((s) => s.findUserById(crypto.randomUUID()))).toBeNull();
    await once((s) => s.ping());
  });

  it("login lookup and new challenges, limited or not", async () => {
    const user = await aUser(h.store);
    const key = uniqueKey();
    expect((await once((s) => s.findUserForLogin(user.email, [hitOf(key, 1)]))).user?.id).toBe(user.id);
    expect((await once((s) => s.findUserForLogin("nobody@example.test", [hitOf(key, 1)]))).rate.limited).toBe(true);
    const challenge = { id: crypto.randomUUID(), userId: user.id, factor: "email" as const, destination: user.email, check: { kind: "mac" as const, mac: "m" }, ttlSeconds: 60, maxAttempts: 5, resendSeconds: 60, maxSends: 5 };
    expect(await once((s) => s.createChallenge(challenge, [], [hitOf(key + ":c", 1)]))).toMatchObject({ outcome: "created" });
    expect(await once((s) => s.createChallenge({ ...challenge, id: crypto.randomUUID() }, [], [hitOf(key + ":c", 1)]))).toMatchObject({ outcome: "rate_limited" });
    expect(await once((s) => s.createChallenge({ ...challenge, check: { kind: "mac", mac: "m2" } }, [], [hitOf(key + ":c", 1)]))).toMatchObject({ outcome: "renewed", send: 2 });
  });

  it("the verify path, in each outcome", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const consume = (mac: string, ip = ipHit()) => (s: AuthStore) => s.consumeChallenge(challenge.id, proof(mac), { ipHit: ip, refresh: newRefresh(), lockout: LOCKOUT, client: CLIENT });
    expect((await once(consume(secretLike()))).outcome).toBe("wrong_code");
    const limitedIp = ipHit(0);
    expect((await once(consume(challenge.mac, limitedIp))).outcome).toBe("rate_limited");
    expect((await once(consume(challenge.mac))).outcome).toBe("verified");
    expect((await once(consume(challenge.mac))).outcome).toBe("gone");
    await once((s) => s.revokeChallenge(challenge.id));
  });

  it("the verify path for an authenticator and a recovery code, and the login lookup that finds them", async () => {
    const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 3);
    expect((await once((s) => s.findUserForLogin(auth.user.email, []))).user).toMatchObject({ totp: { id: auth.factorId }, recoveryRemaining: 10 });
    const totp = await aTotpChallenge(h.store, auth);
    const totpCode = (step: number) => async (s: AuthStore) => s.consumeChallenge(totp.id, await totpProof(auth.secret, totp.id, step), verifyOptions());
    expect((await once(totpCode(totp.step - 20))).outcome).toBe("wrong_code");
    expect((await once(totpCode(totp.step))).outcome).toBe("verified");
    const recovery = await aRecoveryChallenge(h.store, auth.user);
    const recoveryCode = (code: string) => async (s: AuthStore) => s.consumeChallenge(recovery, await recoveryProof(code), verifyOptions());
    expect((await once(recoveryCode("aaaa-aaaa-aaaa"))).outcome).toBe("wrong_code");
    expect((await once(recoveryCode(auth.recovery.codes[0]!))).outcome).toBe("verified");
    const again = await aTotpChallenge(h.store, auth);
    expect((await once((s) => s.renewChallenge(again.id, "m", renewLimits()))).outcome).toBe("not_resendable");
  });

  it("resend, in each outcome", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const renew = (limits = renewLimits()) => (s: AuthStore) => s.renewChallenge(challenge.id, secretLike(), limits);
    expect((await once(renew())).outcome).toBe("too_soon");
    await h.elapse(60);
    expect((await once(renew(renewLimits({ codesAccount: { limit: 0, windowSeconds: 60 } })))).outcome).toBe("rate_limited");
    expect((await once(renew(renewLimits({ maxSends: 1 })))).outcome).toBe("send_limit");
    expect((await once(renew())).outcome).toBe("renewed");
    expect((await once((s) => s.renewChallenge(crypto.randomUUID(), "m", renewLimits()))).outcome).toBe("gone");
  });

  it("refresh rotation and logout, in each outcome", async () => {
    const f = await aFamily(h.store);
    const next = secretLike();
    expect((await once((s) => s.rotateRefresh(f.id, f.token, next, CLIENT, { graceSeconds: 10 })))).toMatchObject({ outcome: "rotated", retried: false });
    expect((await once((s) => s.rotateRefresh(f.id, f.token, next, CLIENT, { graceSeconds: 10 })))).toMatchObject({ outcome: "rotated", retried: true });
    expect((await once((s) => s.rotateRefresh(f.id, f.token, secretLike(), CLIENT))).outcome).toBe("reused");
    expect((await once((s) => s.rotateRefresh(crypto.randomUUID(), f.token, secretLike(), CLIENT))).outcome).toBe("gone");
    await once((s) => s.revokeRefresh(f.id, CLIENT));
  });

  it("sessions: listing, ending one and ending all, live or dead", async () => {
    const user = await aUser(h.store);
    const [mine, other] = [await aSession(h.store, user), await aSession(h.store, user)];
    const dead = { userId: user.id, sid: crypto.randomUUID() };
    expect(await once((s) => s.listSessions(mine.caller))).toHaveLength(2);
    expect(await once((s) => s.listSessions(dead))).toBeNull();
    expect(await once((s) => s.revokeSession(mine.caller, other.sid, CLIENT))).toBe("revoked");
    expect(await once((s) => s.revokeSession(mine.caller, other.sid, CLIENT))).toBe("not_found");
    expect(await once((s) => s.revokeSession(dead, other.sid, CLIENT))).toBe("dead_caller");
    expect(await once((s) => s.listEvents(mine.caller, null, 10))).toHaveLength(3);
    expect(await once((s) => s.listEvents(dead, null, 10))).toBeNull();
    expect(await once((s) => s.revokeAllSessions(mine.caller, CLIENT))).toBe(true);
    expect(await once((s) => s.revokeAllSessions(mine.caller, CLIENT))).toBe(false);
  });

  it("the account: language, the current password, a new one, export and deletion, live or dead", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    const dead = { userId: user.id, sid: null };
    const read = (caller: typeof dead | typeof session.caller, limit = 10) => (s: AuthStore) =>
      s.callerPassword(caller, { ip: ipHit(), account: { limit, windowSeconds: 60 } });
    expect(await once((s) => s.setLocale(session.caller, "pt-BR"))).toMatchObject({ locale: "pt-BR" });
    expect(await once((s) => s.setLocale(dead, "en"))).toBeNull();
    expect((await once(read(session.caller))).status).toBe("ok");
    expect((await once(read(session.caller, 0))).status).toBe("limited");
    expect((await once(read(dead))).status).toBe("dead_caller");
    expect(await once((s) => s.changePassword(session.caller, "hash-new", CLIENT))).toBe(true);
    expect(await once((s) => s.changePassword(dead, "hash-new", CLIENT))).toBe(false);
    expect(await once((s) => s.exportAccount(session.caller))).toMatchObject({ profile: { id: user.id } });
    expect(await once((s) => s.exportAccount(dead))).toBeNull();
    expect(await once((s) => s.deleteAccount(dead))).toBe(false);
    expect(await once((s) => s.deleteAccount(session.caller))).toBe(true);
  });

  it("password reset and phone change, in each outcome", async () => {
    const user = await aUser(h.store);
    const reset = (email: string, ip = ipHit()) => ({ id: crypto.randomUUID(), email, codeMac: secretLike(), ttlSeconds: 900, maxAttempts: 1, ipHit: ip, accountHits: [ipHit()] });
    const [started, spent] = [reset(user.email), reset(user.email)];
    expect(await once((s) => s.startReset(started))).toMatchObject({ outcome: "started" });
    expect(await once((s) => s.startReset(reset("nobody@example.test")))).toEqual({ outcome: "silent" });
    expect(await once((s) => s.startReset(reset(user.email, ipHit(0))))).toMatchObject({ outcome: "ip_limited" });
    await h.store.startReset(spent);
    expect(await once((s) => s.checkResetCode(started.id, started.codeMac, ipHit()))).toEqual({ outcome: "ok" });
    expect(await once((s) => s.checkResetCode(spent.id, secretLike(), ipHit()))).toMatchObject({ outcome: "wrong_code" });
    expect(await once((s) => s.checkResetCode(spent.id, spent.codeMac, ipHit()))).toEqual({ outcome: "gone" });
    expect(await once((s) => s.checkResetCode(started.id, started.codeMac, ipHit(0)))).toMatchObject({ outcome: "rate_limited" });
    expect(await once((s) => s.completeReset(started.id, started.codeMac, "hash-reset", CLIENT))).toEqual({ userId: user.id });
    expect(await once((s) => s.completeReset(started.id, started.codeMac, "hash-reset", CLIENT))).toBeNull();

    const session = await aSession(h.store, user);
    const dead = { userId: user.id, sid: null };
    const change = (hits = [ipHit()]) => ({ id: crypto.randomUUID(), phone: aPhone(), codeMac: secretLike(), ttlSeconds: 300, maxAttempts: 5, hits });
    const pending = change();
    expect(await once((s) => s.startPhoneChange(session.caller, pending))).toMatchObject({ outcome: "started" });
    expect(await once((s) => s.startPhoneChange(session.caller, change([ipHit(0)])))).toMatchObject({ outcome: "rate_limited" });
    expect(await once((s) => s.startPhoneChange(dead, change()))).toEqual({ outcome: "dead_caller" });
    expect(await once((s) => s.confirmPhoneChange(session.caller, secretLike(), CLIENT))).toMatchObject({ outcome: "wrong_code" });
    expect(await once((s) => s.confirmPhoneChange(session.caller, pending.codeMac, CLIENT))).toMatchObject({ outcome: "confirmed" });
    expect(await once((s) => s.confirmPhoneChange(session.caller, pending.codeMac, CLIENT))).toEqual({ outcome: "nothing_pending" });
    expect(await once((s) => s.confirmPhoneChange(dead, pending.codeMac, CLIENT))).toEqual({ outcome: "dead_caller" });
  });

  it("factors: enrolment, confirmation, failures, listing, removal, recovery codes and resealing", async () => {
    const key = `reseal-${crypto.randomUUID()}`;
    const auth = await aPendingAuthenticator(h.store, key);
    const { caller } = auth.session;
    const dead = { userId: auth.user.id, sid: null };
    const codes = { macs: (await recoveryCodes()).macs, keyId: KEY_ID };
    expect(await once((s) => s.enrolTotp(caller, { id: auth.factorId, ...sealedLike(key) }))).toMatchObject({ status: "pending" });
    expect(await once((s) => s.enrolTotp(dead, { id: crypto.randomUUID(), ...sealedLike() }))).toEqual({ status: "dead_caller" });
    expect(await once((s) => s.pendingTotp(caller, 5))).toMatchObject({ id: auth.factorId });
    expect(await once((s) => s.pendingTotp(dead, 5))).toBe("dead_caller");
    expect(await once((s) => s.failTotpConfirmation(auth.user.id, auth.factorId, 5, LOCKOUT))).toEqual({ attemptsRemaining: 4 });
    expect(await once((s) => s.confirmTotp(auth.user.id, auth.factorId, 1, 5, codes, CLIENT))).toMatchObject({ outcome: "confirmed" });
    expect(await once((s) => s.confirmTotp(auth.user.id, auth.factorId, 1, 5, codes, CLIENT))).toEqual({ outcome: "gone" });
    expect(await once((s) => s.failTotpConfirmation(auth.user.id, auth.factorId, 5, LOCKOUT))).toBeNull();
    expect(await once((s) => s.pendingTotp(caller, 5))).toBeNull();
    expect(await once((s) => s.enrolTotp(caller, { id: crypto.randomUUID(), ...sealedLike() }))).toEqual({ status: "exists" });
    expect(await once((s) => s.listFactors(caller))).toMatchObject({ recoveryRemaining: 10 });
    expect(await once((s) => s.listFactors(dead))).toBeNull();
    const fresh = { macs: (await recoveryCodes()).macs, keyId: KEY_ID };
    expect(await once((s) => s.replaceRecoveryCodes(caller, fresh, CLIENT))).toBe(true);
    expect(await once((s) => s.replaceRecoveryCodes(dead, fresh, CLIENT))).toBe(false);
    expect(await once((s) => s.totpSealedWith(key, 10))).toEqual([expect.objectContaining({ id: auth.factorId })]);
    await once((s) => s.resealTotp(auth.factorId, key, { secretSealed: "sealed:new", keyId: "next" }));
    expect(await once((s) => s.removeTotp(caller, CLIENT))).toBe("removed");
    expect(await once((s) => s.removeTotp(caller, CLIENT))).toBe("none");
    expect(await once((s) => s.removeTotp(dead, CLIENT))).toBe("dead_caller");
  });

  it("delivery claims, records and give-ups, and cleanup", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    expect((await once((s) => s.claimDelivery(challenge.id, 1, 30))).status).toBe("claimed");
    expect((await once((s) => s.claimDelivery(challenge.id, 1, 30))).status).toBe("busy");
    await once((s) => s.recordDelivery(challenge.id, 1, { status: "failed", error: "e" }));
    await once((s) => s.recordDelivery(challenge.id, 1, { status: "sent", messageId: "m" }));
    expect((await once((s) => s.claimDelivery(challenge.id, 1, 30))).status).toBe("done");
    await once((s) => s.abandonDelivery(challenge.id, 1, "gave up"));
    await once((s) => s.deleteExpired(10, 90));
  });

  it("notices and failed sign-ins, for an account or none", async () => {
    const user = await aUser(h.store);
    expect(await once((s) => s.noticeRecipient(user.id))).toEqual({ email: user.email, locale: "en" });
    expect(await once((s) => s.noticeRecipient(crypto.randomUUID()))).toBeNull();
    await once((s) => s.recordFailedLogin(user.email, CLIENT));
    await once((s) => s.recordFailedLogin("nobody@example.test", CLIENT));
  });
});
