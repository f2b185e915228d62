/**
 * Password reset and phone change in Postgres: challenges with a purpose other
 * than signing in. One statement per method. Wrong reset codes count on the
 * reset and on the client, never on the account's sign-in streak.
 */
import { sql } from "drizzle-orm";
import type { PhoneChangeResult, PhoneChangeStarted, RecoveryStore, ResetCheck, ResetStart, ResetStarted } from "../../functions/core/account/reset-store";
import type { RateHit } from "../../functions/core/limits";
import type { Caller, ClientMeta } from "../../functions/core/types";
import type { Db } from "../client";
import { eventValues, liveSession } from "./common";
import { rateLimitCtes } from "./limits";

export function recoveryStore(db: Db): RecoveryStore {
  return {
    async startReset(reset: ResetStart): Promise<ResetStarted> {
      // Every counter is bumped for every address, known or not. The client's
      // limit is the only one reported; past an account's limit or cooldown the
      // insert is skipped and the caller cannot tell.
      const result = await db.execute<{ ip_retry_after: number | null; started: number; locale: string | null }>(sql`
        WITH ${rateLimitCtes([reset.ipHit, ...reset.accountHits])},
        ip_over AS (
          SELECT GREATEST(1, CEIL(EXTRACT(EPOCH FROM rl.expires_at - now())))::int AS retry_after
          FROM rl JOIN lim USING (key) WHERE rl.key = ${reset.ipHit.key} AND rl.count > lim.cap
        ),
        account_over AS (SELECT 1 FROM rl JOIN lim USING (key) WHERE rl.key <> ${reset.ipHit.key} AND rl.count > lim.cap),
        u AS (SELECT id, email, locale FROM users WHERE email = ${reset.email}),
        ins AS (
          INSERT INTO challenges (id, user_id, purpose, channel, destination, code_mac, max_attempts, expires_at, resend_after)
          SELECT ${reset.id}, u.id, 'password_reset', 'email', u.email, ${reset.codeMac}, ${reset.maxAttempts},
                 now() + make_interval(secs => ${reset.ttlSeconds}), now()
          FROM u WHERE NOT EXISTS (SELECT 1 FROM ip_over) AND NOT EXISTS (SELECT 1 FROM account_over)
          RETURNING id
        )
        SELECT (SELECT retry_after FROM ip_over) AS ip_retry_after, (SELECT count(*) FROM ins)::int AS started, (SELECT locale FROM u) AS locale`);
      const row = result.rows[0];
      if (row?.ip_retry_after != null) return { outcome: "ip_limited", retryAfterSeconds: Number(row.ip_retry_after) };
      return Number(row?.started ?? 0) === 1 ? { outcome: "started", locale: row!.locale ?? "en" } : { outcome: "silent" };
    },

    async checkResetCode(id: string, codeMac: string, ipHit: RateHit): Promise<ResetCheck> {
      // The row lock serialises parallel checks, and each re-checks the WHERE
      // clause after the one before commits: every wrong code is counted once,
      // and never past the cap. A right code is not used here (see completeReset).
      const result = await db.execute<{ retry_after: number | null; ok: boolean | null; remaining: number | null }>(sql`
        WITH ${rateLimitCtes([ipHit])},
        c AS (
          UPDATE challenges ch SET attempts = ch.attempts + CASE WHEN ch.code_mac = ${codeMac} THEN 0 ELSE 1 END
          WHERE ch.id = ${id} AND ch.purpose = 'password_reset' AND ch.consumed_at IS NULL AND ch.expires_at > now()
            AND ch.attempts < ch.max_attempts AND NOT EXISTS (SELECT 1 FROM over)
          RETURNING ch.code_mac = ${codeMac} AS ok, ch.max_attempts - ch.attempts AS remaining
        )
        SELECT (SELECT retry_after FROM over) AS retry_after, c.ok, c.remaining FROM (SELECT 1) AS one LEFT JOIN c ON true`);
      const row = result.rows[0];
      if (row?.retry_after != null) return { outcome: "rate_limited", retryAfterSeconds: Number(row.retry_after) };
      if (row?.ok === null || row?.ok === undefined) return { outcome: "gone" };
      return row.ok ? { outcome: "ok" } : { outcome: "wrong_code", attemptsRemaining: Number(row.remaining) };
    },

    async completeReset(id: string, codeMac: string, passwordHash: string, client: ClientMeta) {
      // Uses the code and sets the password together: of parallel resets with the
      // right code exactly one finds the challenge unused. Every session dies; the
      // sign-in streak, wait and lock are not touched.
      const result = await db.execute<{ user_id: string | null }>(sql`
        WITH c AS (
          UPDATE challenges SET consumed_at = now()
          WHERE id = ${id} AND purpose = 'password_reset' AND code_mac = ${codeMac} AND consumed_at IS NULL
            AND expires_at > now() AND attempts < max_attempts
          RETURNING user_id
        ),
        u AS (
          UPDATE users SET password_hash = ${passwordHash}, email_verified_at = COALESCE(email_verified_at, now())
          WHERE id IN (SELECT user_id FROM c) RETURNING id
        ),
        s AS (UPDATE refresh_sessions SET revoked_at = now() WHERE user_id IN (SELECT id FROM u) AND revoked_at IS NULL RETURNING 1),
        ev AS (INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor) SELECT id, ${eventValues("password_reset", client)} FROM u RETURNING 1)
        SELECT (SELECT id FROM u) AS user_id, (SELECT count(*) FROM s) AS revoked, (SELECT count(*) FROM ev) AS logged`);
      const userId = result.rows[0]?.user_id;
      return userId ? { userId } : null;
    },

    async startPhoneChange(caller: Caller, change): Promise<PhoneChangeStarted> {
      const result = await db.execute<{ live: boolean; retry_after: number | null; locale: string | null; started: number }>(sql`
        WITH ok AS (SELECT ${liveSession(caller)} AS live),
        u AS (SELECT id, locale FROM users WHERE id = ${caller.userId} AND (SELECT live FROM ok)),
        ${rateLimitCtes(sql`SELECT h.key, h.win, h.cap FROM u, (VALUES ${sql.join(
          change.hits.map((h) => sql`(${h.key}::text, ${h.windowSeconds}::int, ${h.limit}::int)`),
          sql`, `,
        )}) AS h(key, win, cap)`)},
        -- A new request replaces any older pending change: only the latest code can confirm.
        old AS (
          UPDATE challenges SET consumed_at = now()
          WHERE user_id IN (SELECT id FROM u) AND purpose = 'phone_change' AND consumed_at IS NULL AND NOT EXISTS (SELECT 1 FROM over)
          RETURNING 1
        ),
        ins AS (
          INSERT INTO challenges (id, user_id, purpose, channel, destination, code_mac, max_attempts, expires_at, resend_after)
          SELECT ${change.id}, u.id, 'phone_change', 'sms', ${change.phone}, ${change.codeMac}, ${change.maxAttempts},
                 now() + make_interval(secs => ${change.ttlSeconds}), now()
          FROM u WHERE NOT EXISTS (SELECT 1 FROM over)
          RETURNING id
        )
        SELECT (SELECT live FROM ok) AS live, (SELECT retry_after FROM over) AS retry_after, (SELECT locale FROM u) AS locale,
               (SELECT count(*) FROM ins)::int AS started, (SELECT count(*) FROM old) AS replaced`);
      const row = result.rows[0];
      if (!row?.live) return { outcome: "dead_caller" };
      if (row.retry_after != null) return { outcome: "rate_limited", retryAfterSeconds: Number(row.retry_after) };
      return { outcome: "started", locale: row.locale ?? "en" };
    },

    async confirmPhoneChange(caller: Caller, codeMac: string, client: ClientMeta): Promise<PhoneChangeResult> {
      const result = await db.execute<{ live: boolean; ok: boolean | null; remaining: number | null; phone: string | null }>(sql`
        WITH ok AS (SELECT ${liveSession(caller)} AS live),
        c AS (
          UPDATE challenges ch
          SET attempts = ch.attempts + CASE WHEN ch.code_mac = ${codeMac} THEN 0 ELSE 1 END,
              consumed_at = CASE WHEN ch.code_mac = ${codeMac} THEN now() ELSE NULL END
          WHERE ch.id = (SELECT id FROM challenges WHERE user_id = ${caller.userId} AND purpose = 'phone_change'
                         AND consumed_at IS NULL AND expires_at > now() ORDER BY created_at DESC LIMIT 1)
            AND ch.consumed_at IS NULL AND ch.expires_at > now() AND ch.attempts < ch.max_attempts AND (SELECT live FROM ok)
          RETURNING ch.consumed_at IS NOT NULL AS ok, ch.max_attempts - ch.attempts AS remaining, ch.destination
        ),
        u AS (
          UPDATE users SET phone = c.destination, phone_verified_at = now() FROM c
          WHERE users.id = ${caller.userId} AND c.ok RETURNING users.id, users.phone
        ),
        ev AS (INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor) SELECT id, ${eventValues("phone_changed", client)} FROM u RETURNING 1)
        SELECT (SELECT live FROM ok) AS live, c.ok, c.remaining, (SELECT phone FROM u) AS phone, (SELECT count(*) FROM ev) AS logged
        FROM (SELECT 1) AS one LEFT JOIN c ON true`);
      const row = result.rows[0];
      if (!row?.live) return { outcome: "dead_caller" };
      if (row.ok === null || row.ok === undefined) return { outcome: "nothing_pending" };
      return row.ok ? { outcome: "confirmed", phone: row.phone! } : { outcome: "wrong_code", attemptsRemaining: Number(row.remaining) };
    },
  };
}
