// Property: cleanup deletes only what is dead, in bounded batches: challenges a
// day past their expiry, oldest first (younger expired ones stay, for support);
// ended rate-limit windows, in key order (live ones stay); refresh families once
// expired or a day after revocation (live and recently revoked ones stay);
// security-log rows past the retention, oldest first. Each call deletes at most
// `batch` rows of each kind and says how many.
// On Postgres cleanup sees every test's rows: this test's dead rows are made the
// oldest (years past expiry) and their keys sort first, so the order is theirs;
// no other file of this project cleans up, and the HTTP project's cron test runs
// after it (vitest.config.mts: sequence.groupOrder).
import { describe, expect, it } from "vitest";
import type { CleanupCounts } from "../../functions/core/cleanup";
import { aChallenge, aFamily, aUser, CLIENT, hitOf } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const DAY = 86_400;
/** How long the security log is kept, in days. */
const RETENTION_DAYS = 90;
const YEARS = 10 * 365 * DAY;

/** A key that sorts before every key the service and the other tests use. */
const firstKey = () => `000:${crypto.randomUUID()}`;

describe.each(stores)("$name store: cleanup", (kind) => {
  const h = useHarness(kind);

  /** Cleans up until a batch comes back short on every kind. */
  async function drain(batch = 1_000, retentionDays = RETENTION_DAYS): Promise<void> {
    let counts: CleanupCounts;
    do counts = await h.store.deleteExpired(batch, retentionDays);
    while (Object.values(counts).some((n) => n === batch));
  }

  it("deletes challenges only a day past their expiry, oldest first", async () => {
    const user = await aUser(h.store);
    const old = [];
    for (let i = 0; i < 3; i++) {
      old.push(await aChallenge(h.store, user));
      await h.elapse(10);
    }
    await h.elapse(YEARS);
    const recent = await aChallenge(h.store, user);
    await h.elapse(300 + DAY - 1);
    const live = await aChallenge(h.store, user);
    expect((await h.store.deleteExpired(2, RETENTION_DAYS)).challenges).toBe(2);
    expect(await Promise.all(old.map(async (c) => (await h.challenge(c.id)) !== null))).toEqual([false, false, true]);
    await drain();
    expect(await h.challenge(old[2]!.id)).toBeNull();
    // Expired just under a day ago: kept. Used or not, a live challenge is kept.
    expect(await h.challenge(recent.id)).not.toBeNull();
    expect(await h.challenge(live.id)).not.toBeNull();
  });

  it("deletes ended rate-limit windows in key order, and keeps live ones", async () => {
    const dead = [firstKey(), firstKey(), firstKey()].sort();
    await h.store.hitRateLimits(dead.map((key) => hitOf(key, 5, 60)));
    await h.elapse(61);
    const live = firstKey();
    await h.store.hitRateLimits([hitOf(live, 5, 60)]);
    expect((await h.store.deleteExpired(2, RETENTION_DAYS)).rateLimits).toBe(2);
    expect(await Promise.all(dead.map((key) => h.counter(key)))).toEqual([null, null, 1]);
    await drain();
    expect(await h.counter(dead[2]!)).toBeNull();
    expect(await h.counter(live)).toBe(1);
  });

  it("deletes refresh families once expired or a day after revocation, and keeps live and recently revoked ones", async () => {
    const longAgoRevoked = await aFamily(h.store, 10 * DAY);
    await h.store.revokeRefresh(longAgoRevoked.id, CLIENT);
    await h.elapse(DAY);
    const recentlyRevoked = await aFamily(h.store, 10 * DAY);
    await h.store.revokeRefresh(recentlyRevoked.id, CLIENT);
    const expiring = await aFamily(h.store, 60);
    const live = await aFamily(h.store, 10 * DAY);
    await h.elapse(61);
    await drain();
    expect(await h.family(longAgoRevoked.id)).toBeNull();
    expect(await h.family(expiring.id)).toBeNull();
    expect(await h.family(recentlyRevoked.id)).toEqual({ revoked: true, rotated: false });
    expect(await h.family(live.id)).toEqual({ revoked: false, rotated: false });
  });

  it("deletes at most `batch` rows of each kind per call, and says how many", async () => {
    const user = await aUser(h.store);
    const challenges = [await aChallenge(h.store, user), await aChallenge(h.store, user), await aChallenge(h.store, user)];
    const keys = [firstKey(), firstKey(), firstKey()];
    await h.store.hitRateLimits(keys.map((key) => hitOf(key, 5, 60)));
    const families = [await aFamily(h.store, 60), await aFamily(h.store, 60), await aFamily(h.store, 60)];
    await h.elapse(YEARS);
    expect(await h.store.deleteExpired(2, RETENTION_DAYS)).toEqual({ challenges: 2, rateLimits: 2, refreshSessions: 2, events: 2 });
    expect(await h.store.deleteExpired(0, RETENTION_DAYS)).toEqual({ challenges: 0, rateLimits: 0, refreshSessions: 0, events: 0 });
    const left = await h.store.deleteExpired(1, RETENTION_DAYS);
    expect(left).toEqual({ challenges: 1, rateLimits: 1, refreshSessions: 1, events: 1 });
    await drain();
    expect(await Promise.all(challenges.map((c) => h.challenge(c.id)))).toEqual([null, null, null]);
    expect(await Promise.all(keys.map((key) => h.counter(key)))).toEqual([null, null, null]);
    expect(await Promise.all(families.map((f) => h.family(f.id)))).toEqual([null, null, null]);
    // Each family's sign-in was logged; the log went with its age.
    expect(await Promise.all(families.map((f) => h.events(f.userId)))).toEqual([[], [], []]);
  });

  it("deletes security-log rows past their retention, oldest first, and keeps younger ones", async () => {
    const oldest = await aFamily(h.store);
    await h.elapse(10);
    const old = await aFamily(h.store);
    await h.elapse(YEARS);
    const young = await aFamily(h.store);
    await h.elapse(RETENTION_DAYS * DAY - 60);
    const fresh = await aFamily(h.store);
    const logged = async () => Promise.all([oldest, old, young, fresh].map(async (f) => (await h.events(f.userId)).length));
    expect(await logged()).toEqual([1, 1, 1, 1]);
    expect((await h.store.deleteExpired(1, RETENTION_DAYS)).events).toBe(1);
    expect(await logged()).toEqual([0, 1, 1, 1]);
    await drain();
    expect(await logged()).toEqual([0, 0, 1, 1]);
    // With a shorter retention, the younger row is past it too.
    await drain(1_000, RETENTION_DAYS - 1);
    expect(await logged()).toEqual([0, 0, 0, 1]);
  });

  it("refuses a negative batch", async () => {
    await expect(h.store.deleteExpired(-1, RETENTION_DAYS)).rejects.toThrow();
  });
});
