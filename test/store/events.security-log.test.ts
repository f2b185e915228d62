// Property: the security log shows a caller its own account's events only,
// newest first, a page at a time: at most `limit` rows with ids below the
// cursor (all when there is none), each with its type, time, client prefix,
// user agent and factor, so paging with the last id seen walks every row once.
// A dead session sees nothing (null).
import { describe, expect, it } from "vitest";
import type { AuthEvent } from "../../functions/core/events";
import { aChallenge, aSession, aUser, CLIENT, proof, secretLike, verifyOptions } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const ELSEWHERE = { ipPrefix: "192.0.2.0/24", userAgent: "elsewhere/1.0" };

describe.each(stores)("$name store: the security log", (kind) => {
  const h = useHarness(kind);

  it("lists the account's own events newest first, with when, where from and by which factor", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    await h.elapse(10);
    const challenge = await aChallenge(h.store, user);
    await h.store.consumeChallenge(challenge.id, proof(secretLike()), verifyOptions({ client: ELSEWHERE }));
    await h.elapse(10);
    await h.store.recordFailedLogin(user.email, ELSEWHERE);
    // Another account's events never show.
    await aSession(h.store, await aUser(h.store));
    const events = await h.store.listEvents(session.caller, null, 10);
    expect(events).toEqual([
      { id: expect.any(Number), type: "login_failed", at: h.timestamp(), ...ELSEWHERE, factor: null },
      { id: expect.any(Number), type: "login_failed", at: h.timestamp(-10), ...ELSEWHERE, factor: "email" },
      { id: expect.any(Number), type: "login_succeeded", at: h.timestamp(-20), ...CLIENT, factor: "email" },
    ]);
    const ids = events!.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
  });

  it("pages by the last id seen, walking every row once", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    for (let i = 0; i < 6; i++) await h.store.recordFailedLogin(user.email, CLIENT);
    const all = (await h.store.listEvents(session.caller, null, 100))!;
    expect(all).toHaveLength(7);
    const walked: AuthEvent[] = [];
    let before: number | null = null;
    for (;;) {
      const page: AuthEvent[] = (await h.store.listEvents(session.caller, before, 3))!;
      expect(page.length).toBeLessThanOrEqual(3);
      if (page.length === 0) break;
      walked.push(...page);
      before = page[page.length - 1]!.id;
    }
    expect(walked).toEqual(all);
    expect(await h.store.listEvents(session.caller, all[2]!.id, 2)).toEqual(all.slice(3, 5));
    expect(await h.store.listEvents(session.caller, null, 0)).toEqual([]);
    await expect(h.store.listEvents(session.caller, null, -1)).rejects.toThrow();
  });

  it("shows a dead session nothing", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    await h.store.revokeRefresh(session.id, CLIENT);
    expect(await h.store.listEvents(session.caller, null, 10)).toBeNull();
    expect(await h.store.listEvents({ userId: user.id, sid: null }, null, 10)).toBeNull();
  });
});
