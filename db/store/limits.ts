/**
 * Rate-limit counters in Postgres. Each limit is one upsert per key, folded as
 * CTEs into whatever statement a request already makes, so counting costs no
 * round trip of its own.
 */
import { sql, type SQL } from "drizzle-orm";
import type { LockoutPolicy } from "../../functions/core/config";
import type { LimitStore, RateHit, RateVerdict } from "../../functions/core/limits";
import type { Db } from "../client";

/**
 * CTEs `lim` (the hits) and `rl` (their counters after this hit). Each counter is
 * one INSERT ... ON CONFLICT DO UPDATE, atomic per key, so parallel requests on
 * any number of instances are each counted exactly once. Keys are bumped in key
 * order so two statements never wait on each other's counters in a cycle.
 * A window that has ended restarts at 1. The sign-in functions
 * (drizzle/0006_verify_function.sql, 0007_login_functions.sql) carry these same
 * CTEs written out: a change here is a change there, in a new migration.
 */
export function rateLimitCtes(hits: RateHit[] | SQL): SQL {
  const lim = Array.isArray(hits) && hits.length === 0
    ? sql`lim(key, win, cap) AS (SELECT NULL::text, NULL::int, NULL::int WHERE false)`
    : Array.isArray(hits)
    ? sql`lim(key, win, cap) AS (VALUES ${sql.join(
        [...new Map(hits.map((h) => [h.key, h])).values()].map((h) => sql`(${h.key}::text, ${h.windowSeconds}::int, ${h.limit}::int)`),
        sql`, `,
      )})`
    : sql`lim(key, win, cap) AS (${hits})`;
  return sql`${lim},
    rl AS (
      INSERT INTO rate_limits AS r (key, count, window_start, expires_at)
      SELECT key, 1, now(), now() + make_interval(secs => win) FROM lim ORDER BY key
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN r.expires_at > now() THEN r.count + 1 ELSE 1 END,
        window_start = CASE WHEN r.expires_at > now() THEN r.window_start ELSE now() END,
        expires_at = CASE WHEN r.expires_at > now() THEN r.expires_at ELSE excluded.expires_at END
      RETURNING r.key, r.count, r.expires_at
    ),
    over AS (
      SELECT GREATEST(1, CEIL(EXTRACT(EPOCH FROM max(rl.expires_at) - now())))::int AS retry_after
      FROM rl JOIN lim USING (key) WHERE rl.count > lim.cap
      HAVING count(*) > 0
    )`;
}

/**
 * The hits as three SQL arrays (keys, windows, caps), each key once (the last
 * hit named wins), for the statements written as functions (drizzle/0007...),
 * which count them with the same CTEs as rateLimitCtes.
 */
export function hitArrays(hits: RateHit[]): SQL {
  const unique = [...new Map(hits.map((h) => [h.key, h])).values()];
  const array = (values: SQL[], type: string) =>
    values.length ? sql`ARRAY[${sql.join(values, sql`, `)}]::${sql.raw(type)}[]` : sql`ARRAY[]::${sql.raw(type)}[]`;
  return sql`${array(unique.map((h) => sql`${h.key}`), "text")}, ${array(unique.map((h) => sql`${h.windowSeconds}`), "int")}, ${array(unique.map((h) => sql`${h.limit}`), "int")}`;
}

export function verdict(retryAfter: number | string | null | undefined): RateVerdict {
  return retryAfter === null || retryAfter === undefined
    ? { limited: false }
    : { limited: true, retryAfterSeconds: Number(retryAfter) };
}

export function limitStore(db: Db): LimitStore {
  return {
    async hitRateLimits(hits: RateHit[]): Promise<RateVerdict> {
      const result = await db.execute<{ retry_after: number | null }>(
        sql`WITH ${rateLimitCtes(hits)} SELECT (SELECT retry_after FROM over) AS retry_after`,
      );
      return verdict(result.rows[0]?.retry_after);
    },
  };
}

/** Doublings past this change nothing (2^62 times any wait is past any cap), and keep the product finite. */
export const MAX_DOUBLINGS = 62;

/**
 * The account's streak of wrong second factors after one more attempt, as SET
 * clauses on `users u`: a right code (`verified`) clears it; a wrong one counts,
 * sets a wait that doubles every `waitAfter` failures (at most `maxWaitSeconds`),
 * and locks the account at `lockAfter` (NIST SP 800-63B-4: at most 100).
 * The doubled wait is computed in float8 and capped before it becomes an
 * integer: in int4 it overflowed ("integer out of range") once a streak passed
 * about 140 under the production policy, failing the whole verify. Verify's
 * function (drizzle/0006_verify_function.sql) carries the same expression.
 */
export function streakAfter(verified: SQL, lockout: LockoutPolicy): SQL {
  const doublings = sql`LEAST(${MAX_DOUBLINGS}::float8, floor((u.failed_otp_count + 1 - ${lockout.waitAfter}::int) / ${lockout.waitAfter}::int))`;
  return sql`failed_otp_count = CASE WHEN ${verified} THEN 0 ELSE u.failed_otp_count + 1 END,
    otp_blocked_until = CASE
      WHEN ${verified} THEN NULL
      WHEN u.failed_otp_count + 1 >= ${lockout.waitAfter}::int THEN now() + make_interval(secs => LEAST(
        ${lockout.maxWaitSeconds}::float8,
        ${lockout.baseWaitSeconds}::float8 * power(2::float8, ${doublings}))::int)
      ELSE u.otp_blocked_until END,
    locked_at = CASE WHEN NOT (${verified}) AND u.failed_otp_count + 1 >= ${lockout.lockAfter}::int THEN now() ELSE u.locked_at END`;
}
