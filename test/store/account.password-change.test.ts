// Property: changing a password takes the caller's live session and the current
// password, read behind the sign-in counters: reading it bumps the account's
// and the client's login counters, as a sign-in does (over them: limited, with
// the seconds left), and the change stores the new hash, ends every other
// session of the account (the caller's own survives) and logs
// password_changed, in one step.
import { describe, expect, it } from "vitest";
import { aSession, aUser, CLIENT, hitOf, uniqueKey } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: changing the password", (kind) => {
  const h = useHarness(kind);

  it("reads the hash behind the sign-in counters, and limits like a sign-in", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    const ip = hitOf(uniqueKey("login_ip"), 100, 900);
    const read = () => h.store.callerPassword(session.caller, { ip, account: { limit: 2, windowSeconds: 900 } });
    expect(await read()).toEqual({ status: "ok", passwordHash: user.passwordHash, email: user.email });
    expect(await read()).toMatchObject({ status: "ok" });
    await h.elapse(100);
    expect(await read()).toEqual({ status: "limited", verdict: { limited: true, retryAfterSeconds: h.seconds(800) } });
    expect([await h.counter(`login_account:${user.email}`), await h.counter(ip.key)]).toEqual([3, 3]);
  });

  it("counts a dead session's reading too, and tells it so", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    await h.store.revokeRefresh(session.id, CLIENT);
    const ip = hitOf(uniqueKey("login_ip"), 100, 900);
    expect(await h.store.callerPassword(session.caller, { ip, account: { limit: 5, windowSeconds: 900 } })).toEqual({ status: "dead_caller" });
    expect([await h.counter(`login_account:${user.email}`), await h.counter(ip.key)]).toEqual([1, 1]);
  });

  it("stores the new hash, ends every other session, keeps the caller's, and logs it", async () => {
    const user = await aUser(h.store);
    const [mine, other, third] = [await aSession(h.store, user), await aSession(h.store, user), await aSession(h.store, user)];
    const stranger = await aSession(h.store, await aUser(h.store));
    expect(await h.store.changePassword(mine.caller, "hash-new", CLIENT)).toBe(true);
    expect(await h.account(user.id)).toMatchObject({ passwordHash: "hash-new" });
    expect(await Promise.all([mine, other, third, stranger].map((s) => h.family(s.id)))).toEqual([
      { revoked: false, rotated: false },
      { revoked: true, rotated: false },
      { revoked: true, rotated: false },
      { revoked: false, rotated: false },
    ]);
    expect((await h.events(user.id)).slice(3)).toEqual([{ type: "password_changed", factor: null, ...CLIENT }]);
    expect((await h.store.listSessions(mine.caller))?.map((s) => s.id)).toEqual([mine.sid]);
  });
});
