// Property: a refresh family holds one valid token. Rotating the current token
// swaps it for the new one and reports the family's own remaining lifetime;
// presenting any other token of a live family (a replayed old one, or the loser
// of a race) revokes the family, so even the newest token then fails; an expired
// or unknown family is gone, not reused; revoking is idempotent and works from
// any token of the family. The reuse that revokes a family is logged, once.
import { describe, expect, it } from "vitest";
import { aFamily, CLIENT, secretLike } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

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

  it("refuses a family id that is not a uuid", async () => {
    await expect(h.store.rotateRefresh("family", secretLike(), secretLike(), CLIENT)).rejects.toThrow();
    await expect(h.store.revokeRefresh("family", CLIENT)).rejects.toThrow();
  });
});
