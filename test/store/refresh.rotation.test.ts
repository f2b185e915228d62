// Property: a refresh family holds one valid token. Rotating the current token
// swaps it for the new one and reports the family's own remaining lifetime;
// presenting any other token of a live family (a replayed old one, or the loser
// of a race) revokes the family, so even the newest token then fails; an expired
// or unknown family is gone, not reused; revoking is idempotent and works from
// any token of the family. The reuse that revokes a family is logged, once.
// Within the grace, the token just replaced, presented again with the same
// successor while that successor is current, is a retry whose answer was lost:
// it changes nothing and answers as the rotation did (so parallel refreshes with
// one token all get the one successor); past the grace, with another successor
// or once the successor was used, it is reuse.
import { describe, expect, it } from "vitest";
import { aFamily, CLIENT, secretLike } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

/** Seconds within which the token just replaced may be presented again (REFRESH_RETRY_GRACE_SECONDS). */
const GRACE = 10;

describe.each(stores)("$name store: refresh rotation", (kind) => {
  const h = useHarness(kind);

  const family = (ttlSeconds = 3_600) => aFamily(h.store, ttlSeconds);

  it("rotates the current token and keeps the family's expiry", async () => {
    const f = await family(3_600);
    await h.elapse(600);
    const next = secretLike();
    expect(await h.store.rotateRefresh(f.id, f.token, next, CLIENT)).toEqual({
      outcome: "rotated",
      userId: f.userId,
      expiresInSeconds: h.seconds(3_000, "floor"),
      // The sign-in's facts stay the family's: rotating never makes a sign-in recent.
      session: { authTime: h.epoch(-600), factor: "email", sid: f.sid },
      retried: false,
    });
    expect(await h.family(f.id)).toEqual({ revoked: false, rotated: true });
    expect(await h.store.rotateRefresh(f.id, next, secretLike(), CLIENT)).toMatchObject({ outcome: "rotated", userId: f.userId });
  });

  it("revokes the family when a rotated token is replayed, so the newest token dies too", async () => {
    const f = await family();
    const next = secretLike();
    await h.store.rotateRefresh(f.id, f.token, next, CLIENT);
    expect(await h.store.rotateRefresh(f.id, f.token, secretLike(), CLIENT)).toEqual({ outcome: "reused" });
    expect(await h.family(f.id)).toMatchObject({ revoked: true });
    expect(await h.store.rotateRefresh(f.id, next, secretLike(), CLIENT)).toEqual({ outcome: "reused" });
  });

  it("logs the reuse that revokes a family, once, with where it came from", async () => {
    const f = await family();
    const thief = { ipPrefix: "203.0.113.0/24", userAgent: "replayer/0.1" };
    await h.store.rotateRefresh(f.id, f.token, secretLike(), CLIENT);
    await h.store.rotateRefresh(f.id, f.token, secretLike(), thief);
    await h.store.rotateRefresh(f.id, f.token, secretLike(), thief);
    expect(await h.events(f.userId)).toEqual([
      { type: "login_succeeded", factor: "email", ...CLIENT },
      { type: "refresh_reuse_detected", factor: "email", ...thief },
    ]);
  });

  it("treats a token the family never had as reuse too", async () => {
    const f = await family();
    expect(await h.store.rotateRefresh(f.id, secretLike(), secretLike(), CLIENT)).toEqual({ outcome: "reused" });
    expect(await h.store.rotateRefresh(f.id, f.token, secretLike(), CLIENT)).toEqual({ outcome: "reused" });
  });

  it("gives exactly one winner among 8 parallel rotations of one token; the losers revoke the family", async () => {
    const f = await family();
    const news = Array.from({ length: 8 }, () => secretLike());
    const results = await Promise.all(news.map((next) => h.racing.rotateRefresh(f.id, f.token, next, CLIENT)));
    const winner = results.findIndex((r) => r.outcome === "rotated");
    expect(results.filter((r) => r.outcome === "rotated")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "reused")).toHaveLength(7);
    expect(await h.store.rotateRefresh(f.id, news[winner]!, secretLike(), CLIENT)).toEqual({ outcome: "reused" });
  });

  it("is gone once expired, not reused, and unknown families are gone", async () => {
    const f = await family(120);
    await h.elapse(119);
    const next = secretLike();
    expect(await h.store.rotateRefresh(f.id, f.token, next, CLIENT)).toEqual({
      outcome: "rotated",
      userId: f.userId,
      expiresInSeconds: h.seconds(1, "floor"),
      session: { authTime: h.epoch(-119), factor: "email", sid: f.sid },
      retried: false,
    });
    await h.elapse(1);
    expect(await h.store.rotateRefresh(f.id, next, secretLike(), CLIENT)).toEqual({ outcome: "gone" });
    expect(await h.store.rotateRefresh(f.id, secretLike(), secretLike(), CLIENT)).toEqual({ outcome: "gone" });
    expect(await h.store.rotateRefresh(crypto.randomUUID(), secretLike(), secretLike(), CLIENT)).toEqual({ outcome: "gone" });
  });

  it("revokes from any token of the family, idempotently; unknown families are no error", async () => {
    const f = await family();
    const next = secretLike();
    await h.store.rotateRefresh(f.id, f.token, next, CLIENT);
    await h.store.revokeRefresh(f.id, CLIENT);
    await h.store.revokeRefresh(f.id, CLIENT);
    await h.store.revokeRefresh(crypto.randomUUID(), CLIENT);
    expect(await h.family(f.id)).toEqual({ revoked: true, rotated: true });
    expect(await h.store.rotateRefresh(f.id, next, secretLike(), CLIENT)).toEqual({ outcome: "reused" });
  });

  it("answers a retry of the token just replaced, within the grace, with the same successor, changing nothing", async () => {
    const f = await family();
    const next = secretLike();
    await h.store.rotateRefresh(f.id, f.token, next, CLIENT, { graceSeconds: GRACE });
    await h.elapse(GRACE - 1);
    const again = await h.store.rotateRefresh(f.id, f.token, next, { ipPrefix: "203.0.113.0/24", userAgent: "retry" }, { graceSeconds: GRACE });
    expect(again).toEqual({
      outcome: "rotated",
      userId: f.userId,
      expiresInSeconds: h.seconds(3_600 - GRACE + 1, "floor"),
      session: { authTime: h.epoch(-(GRACE - 1)), factor: "email", sid: f.sid },
      retried: true,
    });
    expect(await h.family(f.id)).toEqual({ revoked: false, rotated: true });
    // Nothing changed: the successor is still the current token, last used where it was rotated.
    expect((await h.store.listSessions(f.caller))?.[0]).toMatchObject({ ...CLIENT, lastUsedAt: h.timestamp(-(GRACE - 1)) });
    expect(await h.store.rotateRefresh(f.id, next, secretLike(), CLIENT, { graceSeconds: GRACE })).toMatchObject({ outcome: "rotated", retried: false });
    expect((await h.events(f.userId)).map((e) => e.type)).toEqual(["login_succeeded"]);
  });

  it("treats the replaced token as reuse past the grace, with another successor, once its successor rotated, or with no grace", async () => {
    const cases: [string, (f: Awaited<ReturnType<typeof family>>, next: string) => Promise<unknown>][] = [
      ["past the grace", async (f, next) => (await h.elapse(GRACE), h.store.rotateRefresh(f.id, f.token, next, CLIENT, { graceSeconds: GRACE }))],
      ["another successor", (f) => h.store.rotateRefresh(f.id, f.token, secretLike(), CLIENT, { graceSeconds: GRACE })],
      ["after the successor rotated", async (f, next) => {
        await h.store.rotateRefresh(f.id, next, secretLike(), CLIENT, { graceSeconds: GRACE });
        return h.store.rotateRefresh(f.id, f.token, next, CLIENT, { graceSeconds: GRACE });
      }],
      ["no grace", (f, next) => h.store.rotateRefresh(f.id, f.token, next, CLIENT)],
    ];
    for (const [name, replay] of cases) {
      const f = await family();
      const next = secretLike();
      await h.store.rotateRefresh(f.id, f.token, next, CLIENT, { graceSeconds: GRACE });
      expect(await replay(f, next), name).toEqual({ outcome: "reused" });
      expect(await h.family(f.id), name).toEqual({ revoked: true, rotated: true });
      expect((await h.events(f.userId)).map((e) => e.type), name).toEqual(["login_succeeded", "refresh_reuse_detected"]);
    }
  });

  it("answers every one of 8 parallel refreshes with one token and its one successor: one rotation, the rest retries", async () => {
    const f = await family();
    const next = secretLike();
    const results = await Promise.all(Array.from({ length: 8 }, () => h.racing.rotateRefresh(f.id, f.token, next, CLIENT, { graceSeconds: GRACE })));
    expect(results.map((r) => r.outcome)).toEqual(new Array(8).fill("rotated"));
    expect(results.filter((r) => r.outcome === "rotated" && !r.retried)).toHaveLength(1);
    expect(await h.family(f.id)).toEqual({ revoked: false, rotated: true });
  });

  it("refuses a family id that is not a uuid", async () => {
    await expect(h.store.rotateRefresh("family", secretLike(), secretLike(), CLIENT)).rejects.toThrow();
    await expect(h.store.revokeRefresh("family", CLIENT)).rejects.toThrow();
  });
});
