/**
 * The two stores the contract in test/store/ runs against, each behind the same
 * harness: the store itself, a store whose parallel calls really race, time
 * travel, and a look at state the interface does not return.
 *
 * - memory: db/memory with a fixed clock; `elapse` moves the clock.
 * - postgres: db/store through the production client (openDatabase) and the
 *   WebSocket bridge the global setup started, on the test database. `elapse`
 *   shifts into the past every timestamp of the rows this test created (its
 *   users, challenges, refresh families and the rate-limit keys it named),
 *   which to the SQL's `now()` is the same as time passing. `racing` opens a
 *   connection per call, as each worker request does, so parallel calls meet
 *   in the database; `lanes(n)` keeps n connections racing, for hundreds of calls.
 *
 * A contract file writes `describe.each(stores)(..., (kind) => { const h = useHarness(kind); ... })`:
 * every test gets a fresh harness (its own clock, or its own rows to time-travel),
 * while the Postgres connection for sequential calls is opened once per block.
 */
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { openDatabase, type RequestDatabase } from "../../db/client";
import { memoryStore, memoryTables } from "../../db/memory/index";
import { postgresStore } from "../../db/store/index";
import type { DatabaseConfig } from "../../functions/core/config";
import type { RateHit } from "../../functions/core/limits";
import type { AuthStore } from "../../functions/core/store";
import type { TestPlan } from "./plan";

export interface ChallengeState {
  attempts: number;
  sends: number;
  consumed: boolean;
  deliveryStatus: string;
  deliveredSend: number | null;
  deliveryAttempts: number;
  claimed: boolean;
  providerMessageId: string | null;
  deliveryError: string | null;
}

export interface UserState {
  failedOtpCount: number;
  locked: boolean;
}

export interface FamilyState {
  revoked: boolean;
  rotated: boolean;
}

export interface StoreHarness {
  store: AuthStore;
  /** The same store, but parallel calls race as separate requests would (memory: the store itself). */
  racing: AuthStore;
  /**
   * The same store on `n` connections, calls dealt round-robin: `n` sessions
   * racing, without paying a new connection per call (memory: the store itself).
   */
  lanes(n: number): AuthStore;
  /** Lets `seconds` pass for this test's rows. */
  elapse(seconds: number): Promise<void>;
  challenge(id: string): Promise<ChallengeState | null>;
  user(id: string): Promise<UserState | null>;
  /** The count in `key`'s current row, or null when there is none. */
  counter(key: string): Promise<number | null>;
  family(id: string): Promise<FamilyState | null>;
  close(): Promise<void>;
}

export interface StoreKind {
  name: "memory" | "postgres";
  /** A harness for one test; for Postgres, on `main` for its sequential calls. */
  open(main?: RequestDatabase): StoreHarness;
  /** What a block of tests shares: the Postgres connection (none for memory). */
  connect(): RequestDatabase | undefined;
}

/** An arbitrary fixed instant: the memory store's clock starts here in every test. */
export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function memoryHarness(): StoreHarness {
  let now = T0;
  const tables = memoryTables();
  const store = memoryStore({ now: () => now, tables });
  return {
    store,
    racing: store,
    lanes: () => store,
    async elapse(seconds) {
      now += seconds * 1000;
    },
    async challenge(id) {
      const c = tables.challenges.get(id);
      if (!c) return null;
      const { attempts, sends, deliveryStatus, deliveredSend, deliveryAttempts, providerMessageId, deliveryError } = c;
      return { attempts, sends, consumed: c.consumedAt !== null, deliveryStatus, deliveredSend, deliveryAttempts, claimed: c.deliveryClaimedAt !== null, providerMessageId, deliveryError };
    },
    async user(id) {
      const u = tables.users.get(id);
      return u ? { failedOtpCount: u.failedOtpCount, locked: u.lockedAt !== null } : null;
    },
    async counter(key) {
      return tables.rateLimits.get(key)?.count ?? null;
    },
    async family(id) {
      const f = tables.refreshSessions.get(id);
      return f ? { revoked: f.revokedAt !== null, rotated: f.rotatedAt !== null } : null;
    },
    async close() {},
  };
}

export function testDatabase(): DatabaseConfig {
  const plan = JSON.parse(process.env.AUTH_TEST_PLAN ?? "null") as TestPlan | null;
  if (!plan) throw new Error("AUTH_TEST_PLAN is not set: run the tests with `npm test` or `npm run test:store`");
  return { url: plan.databaseUrl, wsProxy: `127.0.0.1:${plan.bridgePort}/v2` };
}

/** What a test created, so time travel touches its rows and no one else's. */
class Owned {
  readonly users = new Set<string>();
  readonly challenges = new Set<string>();
  readonly families = new Set<string>();
  readonly keys = new Set<string>();
  /** A challenge's account and destination: the keys a resend of it counts. */
  readonly renewKeys = new Map<string, string[]>();

  hits(hits: RateHit[]): void {
    for (const h of hits) this.keys.add(h.key);
  }

  /** The store, recording what each call creates. */
  track(store: AuthStore): AuthStore {
    return {
      ...store,
      hitRateLimits: (hits) => (this.hits(hits), store.hitRateLimits(hits)),
      createUser: async (user) => {
        const created = await store.createUser(user);
        if (created) this.users.add(created.id);
        return created;
      },
      findUserForLogin: (email, hits) => (this.hits(hits), store.findUserForLogin(email, hits)),
      createChallenge: (c, hits) => {
        this.hits(hits);
        this.challenges.add(c.id);
        this.renewKeys.set(c.id, [`codes_account:${c.userId}`, `sms_number:${c.destination}`]);
        return store.createChallenge(c, hits);
      },
      consumeChallenge: (id, proof, options) => {
        this.hits([options.ipHit]);
        this.families.add(options.refresh.familyId);
        return store.consumeChallenge(id, proof, options);
      },
      renewChallenge: (id, mac, limits) => {
        for (const key of this.renewKeys.get(id) ?? []) this.keys.add(key);
        return store.renewChallenge(id, mac, limits);
      },
    };
  }
}

const list = (values: Set<string>) => JSON.stringify([...values]);

function postgresHarness(shared?: RequestDatabase): StoreHarness {
  const config = testDatabase();
  const main = shared ?? openDatabase(config);
  const owned = new Owned();
  /** What this harness opened and must end: its lanes, and its main connection unless shared. */
  const opened = shared ? [] : [main];
  const rows = async <T>(query: ReturnType<typeof sql>) => (await main.db.execute<T & Record<string, unknown>>(query)).rows;
  /** Each call on its own connection, opened and ended around it, like a worker request. */
  const perCall = new Proxy(postgresStore(main.db), {
    get: (target, name: keyof AuthStore) => async (...args: unknown[]) => {
      const database = openDatabase(config);
      try {
        return await (postgresStore(database.db)[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      } finally {
        await database.close();
      }
    },
  });
  return {
    store: owned.track(postgresStore(main.db)),
    racing: owned.track(perCall),
    lanes(n) {
      const lanes = Array.from({ length: n }, () => openDatabase(config));
      opened.push(...lanes);
      let next = 0;
      return owned.track(
        new Proxy(postgresStore(main.db), {
          get: (_, name: keyof AuthStore) => (...args: unknown[]) =>
            (postgresStore(lanes[next++ % n]!.db)[name] as (...a: unknown[]) => Promise<unknown>)(...args),
        }),
      );
    },
    async elapse(seconds) {
      const by = sql`make_interval(secs => ${seconds})`;
      const ids = (values: Set<string>) => sql`(SELECT value::uuid FROM json_array_elements_text(${list(values)}::json))`;
      await main.db.execute(sql`
        WITH u AS (
          UPDATE users SET otp_blocked_until = otp_blocked_until - ${by}, locked_at = locked_at - ${by}, created_at = created_at - ${by}
          WHERE id IN ${ids(owned.users)} RETURNING 1
        ), c AS (
          UPDATE challenges SET expires_at = expires_at - ${by}, resend_after = resend_after - ${by}, consumed_at = consumed_at - ${by},
            delivery_claimed_at = delivery_claimed_at - ${by}, created_at = created_at - ${by}
          WHERE id IN ${ids(owned.challenges)} RETURNING 1
        ), f AS (
          UPDATE refresh_sessions SET expires_at = expires_at - ${by}, revoked_at = revoked_at - ${by}, rotated_at = rotated_at - ${by},
            created_at = created_at - ${by}
          WHERE id IN ${ids(owned.families)} RETURNING 1
        ), r AS (
          UPDATE rate_limits SET window_start = window_start - ${by}, expires_at = expires_at - ${by}
          WHERE key IN (SELECT value FROM json_array_elements_text(${list(owned.keys)}::json)) RETURNING 1
        )
        SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM c) + (SELECT count(*) FROM f) + (SELECT count(*) FROM r) AS shifted`);
    },
    async challenge(id) {
      const [row] = await rows<ChallengeState>(sql`
        SELECT attempts, sends, consumed_at IS NOT NULL AS consumed, delivery_status AS "deliveryStatus", delivered_send AS "deliveredSend",
               delivery_attempts AS "deliveryAttempts", delivery_claimed_at IS NOT NULL AS claimed,
               provider_message_id AS "providerMessageId", delivery_error AS "deliveryError"
        FROM challenges WHERE id = ${id}`);
      return row ?? null;
    },
    async user(id) {
      const [row] = await rows<UserState>(sql`SELECT failed_otp_count AS "failedOtpCount", locked_at IS NOT NULL AS locked FROM users WHERE id = ${id}`);
      return row ?? null;
    },
    async counter(key) {
      const [row] = await rows<{ count: number }>(sql`SELECT count FROM rate_limits WHERE key = ${key}`);
      return row ? row.count : null;
    },
    async family(id) {
      const [row] = await rows<FamilyState>(sql`SELECT revoked_at IS NOT NULL AS revoked, rotated_at IS NOT NULL AS rotated FROM refresh_sessions WHERE id = ${id}`);
      return row ?? null;
    },
    close: async () => void (await Promise.all(opened.map((database) => database.close()))),
  };
}

export const stores: StoreKind[] = [
  { name: "memory", open: memoryHarness, connect: () => undefined },
  { name: "postgres", open: postgresHarness, connect: () => openDatabase(testDatabase()) },
];

/**
 * Registers the hooks of one store's block of tests and returns the harness of
 * the test that is running: fresh for each test, on a connection shared by the block.
 */
export function useHarness(kind: StoreKind): StoreHarness {
  let connection: RequestDatabase | undefined;
  let current: StoreHarness | undefined;
  beforeAll(() => void (connection = kind.connect()));
  afterAll(() => connection?.close());
  beforeEach(() => void (current = kind.open(connection)));
  afterEach(() => current?.close());
  const now = (): StoreHarness => {
    if (!current) throw new Error("a store harness is only available inside a test");
    return current;
  };
  return {
    get store() {
      return now().store;
    },
    get racing() {
      return now().racing;
    },
    lanes: (n) => now().lanes(n),
    elapse: (seconds) => now().elapse(seconds),
    challenge: (id) => now().challenge(id),
    user: (id) => now().user(id),
    counter: (key) => now().counter(key),
    family: (id) => now().family(id),
    close: () => now().close(),
  };
}
