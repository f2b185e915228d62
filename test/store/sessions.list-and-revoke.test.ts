// Property: an account's sessions are its live refresh families. They are
// listed newest first, by public id, with when they were made and last used,
// from where (as of their last use) and by which factor; revoked and expired
// ones never. One can be ended by its public id (another account's, or one
// already ended, is not found), or all at once, the caller's own included; each
// ending is logged as session_revoked with the factor that opened the session,
// as is a logout.
import { describe, expect, it } from "vitest";
import type { ClientMeta } from "../../functions/core/types";
import { aSession, aUser, CLIENT, secretLike } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const ELSEWHERE: ClientMeta = { ipPrefix: "2001:db8:42::/48", userAgent: "another-device/2.0" };

describe.each(stores)("$name store: listing and ending sessions", (kind) => {
  const h = useHarness(kind);

  it("lists the live sessions newest first, with where each was last used", async () => {
    const user = await aUser(h.store);
    const older = await aSession(h.store, user);
    await h.elapse(100);
    const newer = await aSession(h.store, user);
    const short = await aSession(h.store, user, 60);
    await h.elapse(60);
    await h.store.rotateRefresh(older.id, older.token, secretLike(), ELSEWHERE);
    expect(await h.store.listSessions(newer.caller)).toEqual([
      { id: newer.sid, createdAt: h.timestamp(-60), lastUsedAt: h.timestamp(-60), ...CLIENT, factor: "email" },
      { id: older.sid, createdAt: h.timestamp(-160), lastUsedAt: h.timestamp(), ...ELSEWHERE, factor: "email" },
    ]);
    expect(await h.family(short.id)).toEqual({ revoked: false, rotated: false });
    await h.store.revokeRefresh(older.id, CLIENT);
    expect((await h.store.listSessions(newer.caller))?.map((s) => s.id)).toEqual([newer.sid]);
  });

  it("ends one session by its public id, never another account's, and logs it", async () => {
    const user = await aUser(h.store);
    const [mine, other] = [await aSession(h.store, user), await aSession(h.store, user)];
    const stranger = await aSession(h.store, await aUser(h.store));
    expect(await h.store.revokeSession(mine.caller, stranger.sid, CLIENT)).toBe("not_found");
    expect(await h.store.revokeSession(mine.caller, crypto.randomUUID(), CLIENT)).toBe("not_found");
    expect(await h.family(stranger.id)).toEqual({ revoked: false, rotated: false });
    expect(await h.store.revokeSession(mine.caller, other.sid, ELSEWHERE)).toBe("revoked");
    expect(await h.family(other.id)).toEqual({ revoked: true, rotated: false });
    expect(await h.store.revokeSession(mine.caller, other.sid, CLIENT)).toBe("not_found");
    // Its own session too; then the caller is dead.
    expect(await h.store.revokeSession(mine.caller, mine.sid, CLIENT)).toBe("revoked");
    expect(await h.store.revokeSession(mine.caller, mine.sid, CLIENT)).toBe("dead_caller");
    expect((await h.events(user.id)).filter((e) => e.type === "session_revoked")).toEqual([
      { type: "session_revoked", factor: "email", ...ELSEWHERE },
      { type: "session_revoked", factor: "email", ...CLIENT },
    ]);
  });

  it("ends every session of the account at once, the caller's own included, logging each", async () => {
    const user = await aUser(h.store);
    const sessions = [await aSession(h.store, user), await aSession(h.store, user), await aSession(h.store, user)];
    await h.store.revokeRefresh(sessions[2]!.id, CLIENT);
    const stranger = await aSession(h.store, await aUser(h.store));
    expect(await h.store.revokeAllSessions(sessions[0]!.caller, ELSEWHERE)).toBe(true);
    expect(await Promise.all(sessions.map((s) => h.family(s.id)))).toEqual(new Array(3).fill({ revoked: true, rotated: false }));
    expect(await h.family(stranger.id)).toEqual({ revoked: false, rotated: false });
    const revoked = (await h.events(user.id)).filter((e) => e.type === "session_revoked");
    // The logout, then one row for each session still live.
    expect(revoked).toEqual([{ type: "session_revoked", factor: "email", ...CLIENT }, ...new Array(2).fill({ type: "session_revoked", factor: "email", ...ELSEWHERE })]);
    expect(await h.store.revokeAllSessions(sessions[0]!.caller, CLIENT)).toBe(false);
  });

  it("logs a logout once, from any token of the session", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    await h.store.rotateRefresh(session.id, session.token, secretLike(), CLIENT);
    await h.store.revokeRefresh(session.id, ELSEWHERE);
    await h.store.revokeRefresh(session.id, CLIENT);
    expect((await h.events(user.id)).map((e) => [e.type, e.ipPrefix])).toEqual([
      ["login_succeeded", CLIENT.ipPrefix],
      ["session_revoked", ELSEWHERE.ipPrefix],
    ]);
  });
});
