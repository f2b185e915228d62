/**
 * The Postgres side of the store harness (stores.ts): db/store through the
 * production client (openDatabase: Neon's HTTP protocol) and the local HTTP SQL
 * endpoint the global setup started, on the test database.
 *
 * - `elapse` shifts into the past every timestamp of the rows of this test's
 *   accounts (the accounts, their challenges, sessions, factors, recovery codes
 *   and events) and of the rate-limit keys it named, which to the SQL's `now()`
 *   is the same as time passing, and touches no other test's rows.
 * - TOTP steps travel too, in whole 30 s steps: `elapse` moves the steps kept on
 *   this test's challenges and authenticators back, and the store the test gets
 *   adds the time that passed to the database clock it reports
 *   (`dbNowSeconds`) and takes it off the steps the test hands in, so every step
 *   the test computes is judged as on a clock that really moved.
 * - `racing` makes a client per call, as each worker invocation does; every
 *   statement is its own HTTP request, run on one of the endpoint's pooled
 *   sessions, so parallel calls meet in the database. `lanes(n)` deals calls
 *   round-robin to n clients, for hundreds of calls.
 */
import { sql } from "drizzle-orm";
import pg from "pg";
import { expect } from "vitest";
import { eventually } from "./eventually";
import { openDatabase, type RequestDatabase } from "../../db/client";
import { postgresStore } from "../../db/store/index";
import type { DatabaseConfig } from "../../functions/core/config";
import type { RateHit } from "../../functions/core/limits";
import type { AuthStore } from "../../functions/core/store";
import type { TestPlan } from "./plan";
import { timestampWithin } from "./instants";
import type { AccountState, ChallengeState, EventState, FamilyState, StoreHarness, TotpState, UserState } from "./stores";

export function testDatabase(): DatabaseConfig {
  const plan = JSON.parse(process.env.AUTH_TEST_PLAN ?? "null") as TestPlan | null;
  if (!plan) throw new Error("AUTH_TEST_PLAN is not set: run the tests with `npm test` or `npm run test:store`");
  // As the worker's bindings name it (test/support/bindings.ts), with room for a loaded machine's races.
  return { url: plan.databaseUrl, httpEndpoint: `http://127.0.0.1:${plan.sqlHttpPort}/sql`, timeoutMs: 30_000 };
}

const STEP = 30;

/** What a test created, so time travel touches its rows and no one else's, and how far its time has travelled. */
class Owned {
  readonly users = new Map<string, string>();
  readonly keys = new Set<string>();
  /** A challenge's account and destination: the keys a resend of it counts. */
  readonly renewKeys = new Map<string, string[]>();
  /** Seconds this test's rows have travelled. */
  elapsed = 0;
  /** Whether the test keeps TOTP steps (which then travel in whole steps only). */
  steps = false;

  hits(hits: RateHit[]): void {
    for (const h of hits) this.keys.add(h.key);
  }

  /** A step the test computed, as the database must hold it. */
  step(step: number): number {
    this.steps = true;
    if (this.elapsed % STEP !== 0) throw new Error(`TOTP steps travel in whole ${STEP} s steps; this test has elapsed ${this.elapsed} s`);
    return step - this.elapsed / STEP;
  }

  /** The store, recording what each call creates and touches. */
  track(store: AuthStore): AuthStore {
    return {
      ...store,
      hitRateLimits: (hits) => (this.hits(hits), store.hitRateLimits(hits)),
      createUser: async (user) => {
        const created = await store.createUser(user);
        if (created) this.users.set(created.id, created.email);
        return created;
      },
      findUserForLogin: async (email, hits) => {
        this.hits(hits);
        const lookup = await store.findUserForLogin(email, hits);
        return { ...lookup, dbNowSeconds: lookup.dbNowSeconds + this.elapsed };
      },
      createChallenge: (c, hits, cooldownHits = []) => {
        this.hits([...hits, ...cooldownHits]);
        this.renewKeys.set(c.id, [`codes_account:${c.userId}`, `sms_number:${c.destination}`]);
        const check = c.check.kind === "steps" ? { ...c.check, firstStep: this.step(c.check.firstStep) } : c.check;
        return store.createChallenge({ ...c, check }, hits, cooldownHits);
      },
      consumeChallenge: (id, proof, options) => (this.hits([options.ipHit]), store.consumeChallenge(id, proof, options)),
      renewChallenge: (id, mac, limits) => {
        for (const key of this.renewKeys.get(id) ?? []) this.keys.add(key);
        return store.renewChallenge(id, mac, limits);
      },
      callerPassword: (caller, limits) => {
        this.hits([limits.ip, { key: `login_account:${this.users.get(caller.userId)}`, ...limits.account }]);
        return store.callerPassword(caller, limits);
      },
      startReset: (reset) => (this.hits([reset.ipHit, ...reset.accountHits]), store.startReset(reset)),
      checkResetCode: (id, mac, ip) => (this.hits([ip]), store.checkResetCode(id, mac, ip)),
      startPhoneChange: (caller, change) => (this.hits(change.hits), store.startPhoneChange(caller, change)),
      confirmTotp: (userId, factorId, step, maxAttempts, recovery, client) =>
        store.confirmTotp(userId, factorId, this.step(step), maxAttempts, recovery, client),
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
  const rows = async <T>(query: ReturnType<typeof sql>) => (await main.db.execute<T & Record<string, unknown>>(query)).rows;
  const clock = async () => Number((await rows<{ now: number }>(sql`SELECT EXTRACT(EPOCH FROM now())::float8 AS now`))[0]!.now);
  /** Each call on its own client, like a worker invocation. */
  const perCall = new Proxy(postgresStore(main.db), {
    get: (_, name: keyof AuthStore) => (...args: unknown[]) => (postgresStore(openDatabase(config).db)[name] as (...a: unknown[]) => Promise<unknown>)(...args),
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
    async contended(key, waiting, calls) {
      const plan = JSON.parse(process.env.AUTH_TEST_PLAN!) as TestPlan;
      if (!plan.serverUrl) return calls();
      owned.keys.add(key);
      const blocker = new pg.Client({ connectionString: config.url });
      await blocker.connect();
      try {
        await blocker.query("BEGIN");
        await blocker.query(
          `INSERT INTO rate_limits (key, count, window_start, expires_at) VALUES ($1, 0, now(), now() + interval '1 hour')
           ON CONFLICT (key) DO UPDATE SET count = rate_limits.count`,
          [key],
        );
        const pending = calls();
        await eventually(
          `${waiting} sessions waiting on a lock`,
          async () => {
            // Inside a transaction pg_stat_activity is a snapshot taken once: drop it before each look.
            await blocker.query("SELECT pg_stat_clear_snapshot()");
            const { rows } = await blocker.query<{ n: string }>(
              "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            );
            return Number(rows[0]!.n);
          },
          (n) => n >= waiting,
        );
        await blocker.query("COMMIT");
        return await pending;
      } finally {
        await blocker.end();
      }
    },
    lanes(n) {
      const lanes = Array.from({ length: n }, () => openDatabase(config));
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
    epoch(offset = 0) {
      // The database runs on this machine's clock; allow it a second either side of the test's run.
      const from = Math.floor((Date.now() - (performance.now() - started)) / 1000) - 1 + offset;
      const to = Math.ceil(Date.now() / 1000) + 1 + offset;
      return expect.toSatisfy((value: number) => Number.isInteger(value) && value >= from && value <= to, `an epoch second from ${from} to ${to}`);
    },
    timestamp(offset = 0) {
      // As epoch(), to the millisecond.
      return timestampWithin(Date.now() - (performance.now() - started) - 1_000 + offset * 1000, Date.now() + 1_000 + offset * 1000);
    },
    async withinOneStep(observe) {
      for (let tries = 0; tries < 3; tries++) {
        const before = await clock();
        const seen = await observe();
        if (Math.floor((await clock()) / STEP) === Math.floor(before / STEP)) return seen;
      }
      throw new Error("the database clock crossed a 30 s step boundary on three tries in a row");
    },
    async elapse(seconds) {
      if (owned.steps && seconds % STEP !== 0) throw new Error(`this test keeps TOTP steps: let time pass in whole ${STEP} s steps, not ${seconds} s`);
      owned.elapsed += seconds;
      const by = sql`make_interval(secs => ${seconds})`;
      const steps = Math.floor(seconds / STEP);
      const mine = idList(owned.users.keys());
      await main.db.execute(sql`
        WITH u AS (
          UPDATE users SET otp_blocked_until = otp_blocked_until - ${by}, locked_at = locked_at - ${by}, created_at = created_at - ${by},
            email_verified_at = email_verified_at - ${by}, phone_verified_at = phone_verified_at - ${by}
          WHERE id IN ${mine} RETURNING 1
        ), c AS (
          UPDATE challenges SET expires_at = expires_at - ${by}, resend_after = resend_after - ${by}, consumed_at = consumed_at - ${by},
            delivery_claimed_at = delivery_claimed_at - ${by}, created_at = created_at - ${by}, first_step = first_step - ${steps}::bigint
          WHERE user_id IN ${mine} RETURNING 1
        ), f AS (
          UPDATE refresh_sessions SET expires_at = expires_at - ${by}, revoked_at = revoked_at - ${by}, rotated_at = rotated_at - ${by},
            created_at = created_at - ${by}, last_used_at = last_used_at - ${by}, auth_time = auth_time - ${by}
          WHERE user_id IN ${mine} RETURNING 1
        ), t AS (
          UPDATE factors SET created_at = created_at - ${by}, confirmed_at = confirmed_at - ${by}, last_used_at = last_used_at - ${by},
            last_step = last_step - ${steps}::bigint
          WHERE user_id IN ${mine} RETURNING 1
        ), rc AS (
          UPDATE recovery_codes SET created_at = created_at - ${by}, used_at = used_at - ${by} WHERE user_id IN ${mine} RETURNING 1
        ), e AS (
          UPDATE auth_events SET at = at - ${by} WHERE user_id IN ${mine} RETURNING 1
        ), r AS (
          UPDATE rate_limits SET window_start = window_start - ${by}, expires_at = expires_at - ${by}
          WHERE key IN (SELECT value FROM json_array_elements_text(${list(owned.keys)}::json)) RETURNING 1
        )
        SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM c) + (SELECT count(*) FROM f) + (SELECT count(*) FROM t)
             + (SELECT count(*) FROM rc) + (SELECT count(*) FROM e) + (SELECT count(*) FROM r) AS shifted`);
    },
    challenge: async (id) => (await challenges([id]))[0]!,
    user: async (id) => (await users([id]))[0]!,
    async account(id) {
      const [row] = await rows<AccountState>(sql`
        SELECT password_hash AS "passwordHash", phone, locale, email_verified_at IS NOT NULL AS "emailVerified",
               phone_verified_at IS NOT NULL AS "phoneVerified", COALESCE(otp_blocked_until > now(), false) AS waiting
        FROM users WHERE id = ${id}`);
      return row ?? null;
    },
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
    async totp(userId) {
      const [row] = await rows<TotpState>(sql`SELECT status, attempts, last_step AS "lastStep" FROM factors WHERE user_id = ${userId} AND type = 'totp'`);
      if (!row) return null;
      return { ...row, lastStep: row.lastStep === null ? null : Number(row.lastStep) + owned.elapsed / STEP };
    },
    async recoveryCodes(userId) {
      const [row] = await rows<{ unused: number; used: number }>(sql`
        SELECT count(*) FILTER (WHERE used_at IS NULL)::int AS unused, count(*) FILTER (WHERE used_at IS NOT NULL)::int AS used
        FROM recovery_codes WHERE user_id = ${userId}`);
      return row!;
    },
    async events(userId) {
      return rows<EventState>(sql`
        SELECT type, factor, ip_prefix AS "ipPrefix", user_agent AS "userAgent" FROM auth_events WHERE user_id = ${userId} ORDER BY id`);
    },
    // Nothing to end: an HTTP client holds no connection.
    close: async () => {},
  };
}
