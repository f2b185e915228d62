/**
 * The Postgres side of the store harness (stores.ts): db/store through the
 * production client (openDatabase) and the WebSocket bridge the global setup
 * started, on the test database.
 *
 * - `elapse` shifts into the past every timestamp of the rows this test
 *   created (its users, challenges, refresh families and the rate-limit keys it
 *   named), which to the SQL's `now()` is the same as time passing, and touches
 *   no other test's rows.
 * - `racing` opens a connection per call, as each worker request does, so
 *   parallel calls meet in the database; `lanes(n)` keeps n connections racing,
 *   for hundreds of calls.
 */
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import { openDatabase, type RequestDatabase } from "../../db/client";
import { postgresStore } from "../../db/store/index";
import type { DatabaseConfig } from "../../functions/core/config";
import type { RateHit } from "../../functions/core/limits";
import type { AuthStore } from "../../functions/core/store";
import type { TestPlan } from "./plan";
import type { ChallengeState, FamilyState, StoreHarness, UserState } from "./stores";

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

const list = (values: Iterable<string>) => JSON.stringify([...values]);
/** `(uuid, ...)` from any number of ids, none included, as one parameter. */
const idList = (values: Iterable<string>) => sql`(SELECT value::uuid FROM json_array_elements_text(${list(values)}::json))`;

export function postgresHarness(shared?: RequestDatabase): StoreHarness {
  const config = testDatabase();
  const main = shared ?? openDatabase(config);
  const owned = new Owned();
  const started = performance.now();
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
  /** Rows by id, in the order asked, null where there is none. */
  const byId = async <T>(ids: string[], query: ReturnType<typeof sql>) => {
    const found = new Map((await rows<T & { id: string }>(query)).map(({ id, ...state }) => [id, state as T]));
    return ids.map((id) => found.get(id) ?? null);
  };
  const challenges = (ids: string[]) =>
    byId<ChallengeState>(ids, sql`
      SELECT id, attempts, sends, consumed_at IS NOT NULL AS consumed, delivery_status AS "deliveryStatus", delivered_send AS "deliveredSend",
             delivery_attempts AS "deliveryAttempts", delivery_claimed_at IS NOT NULL AS claimed,
             provider_message_id AS "providerMessageId", delivery_error AS "deliveryError"
      FROM challenges WHERE id IN ${idList(ids)}`);
  const users = (ids: string[]) =>
    byId<UserState>(ids, sql`SELECT id, failed_otp_count AS "failedOtpCount", locked_at IS NOT NULL AS locked FROM users WHERE id IN ${idList(ids)}`);
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
    seconds(expected, rounding = "ceil") {
      const passed = Math.ceil((performance.now() - started) / 1000) + (rounding === "floor" ? 1 : 0);
      const lowest = Math.max(0, expected - passed);
      return expect.toBeOneOf(Array.from({ length: expected - lowest + 1 }, (_, i) => lowest + i));
    },
    async elapse(seconds) {
      const by = sql`make_interval(secs => ${seconds})`;
      await main.db.execute(sql`
        WITH u AS (
          UPDATE users SET otp_blocked_until = otp_blocked_until - ${by}, locked_at = locked_at - ${by}, created_at = created_at - ${by}
          WHERE id IN ${idList(owned.users)} RETURNING 1
        ), c AS (
          UPDATE challenges SET expires_at = expires_at - ${by}, resend_after = resend_after - ${by}, consumed_at = consumed_at - ${by},
            delivery_claimed_at = delivery_claimed_at - ${by}, created_at = created_at - ${by}
          WHERE id IN ${idList(owned.challenges)} RETURNING 1
        ), f AS (
          UPDATE refresh_sessions SET expires_at = expires_at - ${by}, revoked_at = revoked_at - ${by}, rotated_at = rotated_at - ${by},
            created_at = created_at - ${by}
          WHERE id IN ${idList(owned.families)} RETURNING 1
        ), r AS (
          UPDATE rate_limits SET window_start = window_start - ${by}, expires_at = expires_at - ${by}
          WHERE key IN (SELECT value FROM json_array_elements_text(${list(owned.keys)}::json)) RETURNING 1
        )
        SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM c) + (SELECT count(*) FROM f) + (SELECT count(*) FROM r) AS shifted`);
    },
    challenge: async (id) => (await challenges([id]))[0]!,
    user: async (id) => (await users([id]))[0]!,
    challenges,
    users,
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
