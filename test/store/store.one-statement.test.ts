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
import { aChallenge, aFamily, aUser, CLIENT, hitOf, ipHit, LOCKOUT, newRefresh, proof, renewLimits, secretLike, uniqueKey } from "../support/contract";
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
    await database.close();
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
    const challenge = { id: crypto.randomUUID(), userId: user.id, factor: "email" as const, destination: user.email, check: { kind: "mac" as const, mac: "m" }, ttlSeconds: 60, maxAttempts: 5, resendSeconds: 60 };
    expect(await once((s) => s.createChallenge(challenge, [hitOf(key + ":c", 1)]))).toEqual({ limited: false });
    expect(await once((s) => s.createChallenge({ ...challenge, id: crypto.randomUUID() }, [hitOf(key + ":c", 1)]))).toMatchObject({ limited: true });
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
    expect((await once((s) => s.rotateRefresh(f.id, f.token, next, CLIENT))).outcome).toBe("rotated");
    expect((await once((s) => s.rotateRefresh(f.id, f.token, secretLike(), CLIENT))).outcome).toBe("reused");
    expect((await once((s) => s.rotateRefresh(crypto.randomUUID(), f.token, secretLike(), CLIENT))).outcome).toBe("gone");
    await once((s) => s.revokeRefresh(f.id, CLIENT));
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
});
