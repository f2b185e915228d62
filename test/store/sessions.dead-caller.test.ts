// Property: a bearer method acts only for a caller whose session is live,
// checked in the statement it already makes: for a revoked, expired or unknown
// session, another account's session, or a token without a sid, every such
// method gives its dead answer (null, false or dead_caller) and changes
// nothing, however alive the account is; only the current-password check still
// counts its sign-in counters, as any sign-in attempt does. A live session gets
// real answers from the same methods.
import { describe, expect, it } from "vitest";
import type { AuthStore } from "../../functions/core/store";
import type { Caller } from "../../functions/core/types";
import { KEY_ID, recoveryCodes, sealedLike } from "../support/authenticator";
import { aPhone, aSession, aUser, CLIENT, hitOf, ipHit, uniqueKey, type User } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

/** Every bearer method of the store, called for `caller`, in an order a live caller survives. */
async function bearerAnswers(store: AuthStore, caller: Caller, options: { counterKey: string }) {
  const codes = await recoveryCodes();
  const hits = [hitOf(options.counterKey, 10)];
  return {
    setLocale: await store.setLocale(caller, "pt-BR"),
    callerPassword: (await store.callerPassword(caller, { ip: ipHit(), account: { limit: 10, windowSeconds: 60 } })).status,
    exportAccount: (await store.exportAccount(caller)) === null ? null : "exported",
    listFactors: await store.listFactors(caller),
    listSessions: await store.listSessions(caller),
    listEvents: await store.listEvents(caller, null, 10),
    pendingTotp: await store.pendingTotp(caller, 5),
    enrolTotp: (await store.enrolTotp(caller, { id: crypto.randomUUID(), ...sealedLike() })).status,
    removeTotp: await store.removeTotp(caller, CLIENT),
    replaceRecoveryCodes: await store.replaceRecoveryCodes(caller, { macs: codes.macs, keyId: KEY_ID }, CLIENT),
    startPhoneChange: (await store.startPhoneChange(caller, { id: crypto.randomUUID(), phone: aPhone(), codeMac: "mac", ttlSeconds: 300, maxAttempts: 5, hits })).outcome,
    confirmPhoneChange: (await store.confirmPhoneChange(caller, "wrong", CLIENT)).outcome,
    changePassword: await store.changePassword(caller, "hash-changed", CLIENT),
    revokeSession: await store.revokeSession(caller, crypto.randomUUID(), CLIENT),
  };
}

const DEAD = {
  setLocale: null,
  callerPassword: "dead_caller",
  exportAccount: null,
  listFactors: null,
  listSessions: null,
  listEvents: null,
  pendingTotp: "dead_caller",
  enrolTotp: "dead_caller",
  removeTotp: "dead_caller",
  replaceRecoveryCodes: false,
  startPhoneChange: "dead_caller",
  confirmPhoneChange: "dead_caller",
  changePassword: false,
  revokeSession: "dead_caller",
};

describe.each(stores)("$name store: bearer methods and dead sessions", (kind) => {
  const h = useHarness(kind);

  /** What a dead caller must not change: the account, its other (live) session, its factors, codes and log. */
  const snapshot = async (user: User, live: { id: string }) => ({
    account: await h.account(user.id),
    profile: await h.store.findUserById(user.id),
    live: await h.family(live.id),
    totp: await h.totp(user.id),
    codes: await h.recoveryCodes(user.id),
    events: await h.events(user.id),
  });

  const deadCallers: [string, (user: User) => Promise<Caller>][] = [
    ["a revoked session", async (user) => {
      const s = await aSession(h.store, user);
      await h.store.revokeRefresh(s.id, CLIENT);
      return s.caller;
    }],
    ["an expired session", async (user) => {
      const s = await aSession(h.store, user, 60);
      await h.elapse(60);
      return s.caller;
    }],
    ["an unknown session", async (user) => ({ userId: user.id, sid: crypto.randomUUID() })],
    ["another account's session", async (user) => ({ userId: user.id, sid: (await aSession(h.store, await aUser(h.store))).sid })],
    ["a token without a sid", async (user) => ({ userId: user.id, sid: null })],
  ];

  it.each(deadCallers)("gives %s the dead answer everywhere, and changes nothing", async (_, deadCaller) => {
    const user = await aUser(h.store);
    const caller = await deadCaller(user);
    const live = await aSession(h.store, user, 3_600);
    const before = await snapshot(user, live);
    const counterKey = uniqueKey("phone_change");
    expect(await bearerAnswers(h.store, caller, { counterKey })).toEqual(DEAD);
    expect(await h.store.revokeAllSessions(caller, CLIENT)).toBe(false);
    expect(await h.store.deleteAccount(caller)).toBe(false);
    expect(await snapshot(user, live)).toEqual(before);
    expect(await h.counter(counterKey)).toBeNull();
  });

  it("gives a live session real answers from the same methods", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    const counterKey = uniqueKey("phone_change");
    const answers = await bearerAnswers(h.store, session.caller, { counterKey });
    expect(answers).toEqual({
      setLocale: expect.objectContaining({ id: user.id, locale: "pt-BR" }),
      callerPassword: "ok",
      exportAccount: "exported",
      listFactors: expect.objectContaining({ recoveryRemaining: 0 }),
      listSessions: [expect.objectContaining({ id: session.sid })],
      listEvents: [expect.objectContaining({ type: "login_succeeded" })],
      pendingTotp: null,
      enrolTotp: "pending",
      removeTotp: "removed",
      replaceRecoveryCodes: true,
      startPhoneChange: "started",
      confirmPhoneChange: "wrong_code",
      changePassword: true,
      revokeSession: "not_found",
    });
    expect(await h.counter(counterKey)).toBe(1);
    expect(await h.store.revokeAllSessions(session.caller, CLIENT)).toBe(true);
    const other = await aSession(h.store, await aUser(h.store));
    expect(await h.store.deleteAccount(other.caller)).toBe(true);
  });
});
