/**
 * Sign-in in Postgres: the login read, challenges, and the one statement every
 * factor's code is checked by. Each method is one statement; the comments say
 * why each is safe when a thousand instances run it at once. Time is always the
 * database's `now()`: one clock for every instance.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { RateHit, RateVerdict } from "../../functions/core/limits";
import type {
  ConsumeResult,
  LoginLookup,
  NewChallenge,
  Proof,
  RenewLimits,
  RenewResult,
  SignInStore,
  StartResult,
} from "../../functions/core/signin/store";
import type { Channel, FactorType } from "../../functions/core/types";
import type { Db } from "../client";
import { challenges } from "../schema";
import { rateLimitCtes, streakAfter, verdict } from "./limits";

/** TOTP steps are 30 s (RFC 6238); the window is one step of drift on each side. */
const STEP_SECONDS = 30;

export function signInStore(db: Db): SignInStore {
  return {
    async findUserForLogin(email: string, hits: RateHit[]): Promise<LoginLookup> {
      // The counters, the account, its authenticator and its recovery codes in one
      // round trip, before any password hashing. An unknown e-mail runs the same statement.
      const result = await db.execute<{
        retry_after: number | null;
        db_now: string;
        id: string | null;
        email: string;
        phone: string | null;
        password_hash: string;
        locked: boolean;
        wait_seconds: number;
        totp_id: string | null;
        totp_sealed: string | null;
        totp_key_id: string | null;
        recovery_remaining: number;
        locale: string;
      }>(sql`
        WITH ${rateLimitCtes(hits)}
        SELECT (SELECT retry_after FROM over) AS retry_after,
               EXTRACT(EPOCH FROM now())::float8 AS db_now,
               u.id, u.email, u.phone, u.password_hash, u.locale,
               u.locked_at IS NOT NULL AS locked,
               GREATEST(0, CEIL(EXTRACT(EPOCH FROM u.otp_blocked_until - now())))::int AS wait_seconds,
               f.id AS totp_id, f.secret_sealed AS totp_sealed, f.key_id AS totp_key_id,
               (SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL)::int AS recovery_remaining
        FROM (SELECT 1) AS one
        LEFT JOIN users u ON u.email = ${email}
        LEFT JOIN factors f ON f.user_id = u.id AND f.type = 'totp' AND f.status = 'active'`);
      const row = result.rows[0];
      return {
        rate: verdict(row?.retry_after),
        dbNowSeconds: Number(row?.db_now ?? Date.now() / 1000),
        user: row?.id
          ? {
              id: row.id,
              email: row.email,
              phone: row.phone,
              passwordHash: row.password_hash,
              locked: row.locked,
              waitSeconds: Number(row.wait_seconds ?? 0),
              totp: row.totp_id && row.totp_sealed && row.totp_key_id ? { id: row.totp_id, secretSealed: row.totp_sealed, keyId: row.totp_key_id } : null,
              recoveryRemaining: Number(row.recovery_remaining ?? 0),
              locale: row.locale,
            }
          : null,
      };
    },

    async createChallenge(c: NewChallenge, hits: RateHit[]): Promise<StartResult> {
      const mac = c.check.kind === "mac" ? c.check.mac : "";
      const steps = c.check.kind === "steps" ? c.check : null;
      // A retried login (its Idempotency-Key gives the same id) finds its first
      // attempt's live challenge, locked (prior): then nothing is counted. If that
      // challenge's code was never claimed for delivery (the first answer was lost
      // before the code went to the queue), the new code replaces it as one more
      // send, which makes any job of the old one stale (a claim needs the current
      // send). Otherwise it is replayed as it is. With no challenge of this id,
      // the counters are bumped and the challenge inserted under them. An ended
      // one (or another account's or channel's) counts nothing and stays as it
      // is; so does a parallel start's new row (ON CONFLICT DO NOTHING): a conflict.
      const hitRows = [...new Map(hits.map((h) => [h.key, h])).values()];
      const lim = hitRows.length
        ? sql`SELECT key, win, cap FROM (VALUES ${sql.join(
            hitRows.map((h) => sql`(${h.key}::text, ${h.windowSeconds}::int, ${h.limit}::int)`),
            sql`, `,
          )}) AS v(key, win, cap) WHERE NOT EXISTS (SELECT 1 FROM challenges WHERE id = ${c.id})`
        : sql`SELECT NULL::text, NULL::int, NULL::int WHERE false`;
      const result = await db.execute<{
        retry_after: number | null;
        created: number;
        prior: number;
        renewed_send: number | null;
        expires_in: number | null;
        resend_after: number | null;
      }>(sql`
        WITH prior AS (
          SELECT id, sends, expires_at, resend_after,
                 channel IN ('email', 'sms') AND delivery_status = 'queued' AND delivery_claimed_at IS NULL
                   AND delivered_send IS NULL AND sends < ${c.maxSends} AS renewable
          FROM challenges
          WHERE id = ${c.id} AND user_id = ${c.userId} AND channel = ${c.factor} AND destination IS NOT DISTINCT FROM ${c.destination} AND purpose = 'sign_in'
            AND consumed_at IS NULL AND expires_at > now() AND attempts < max_attempts
          FOR UPDATE
        ),
        ${rateLimitCtes(lim)},
        renew AS (
          UPDATE challenges ch
          SET code_mac = ${mac}, sends = ch.sends + 1,
              expires_at = now() + make_interval(secs => ${c.ttlSeconds}), resend_after = now() + make_interval(secs => ${c.resendSeconds})
          FROM prior WHERE ch.id = prior.id AND prior.renewable
          RETURNING ch.sends, ch.expires_at, ch.resend_after
        ),
        ins AS (
          INSERT INTO challenges (id, user_id, channel, destination, code_mac, step_macs, first_step, max_attempts, expires_at, resend_after)
          SELECT ${c.id}, ${c.userId}, ${c.factor}, ${c.destination}, ${mac},
                 ${steps ? sql`ARRAY[${sql.join(steps.macs.map((m) => sql`${m}`), sql`, `)}]::text[]` : sql`NULL`}, ${steps?.firstStep ?? null}::bigint,
                 ${c.maxAttempts}, now() + make_interval(secs => ${c.ttlSeconds}), now() + make_interval(secs => ${c.resendSeconds})
          WHERE NOT EXISTS (SELECT 1 FROM over) AND NOT EXISTS (SELECT 1 FROM prior)
          ON CONFLICT (id) DO NOTHING
          RETURNING id
        ),
        kept AS (SELECT expires_at, resend_after FROM renew UNION ALL SELECT expires_at, resend_after FROM prior WHERE NOT prior.renewable)
        SELECT (SELECT retry_after FROM over) AS retry_after, (SELECT count(*) FROM ins)::int AS created,
               (SELECT count(*) FROM prior)::int AS prior, (SELECT sends FROM renew) AS renewed_send,
               (SELECT GREATEST(0, CEIL(EXTRACT(EPOCH FROM expires_at - now())))::int FROM kept) AS expires_in,
               (SELECT GREATEST(0, CEIL(EXTRACT(EPOCH FROM resend_after - now())))::int FROM kept) AS resend_after`);
      const row = result.rows[0]!;
      if (row.retry_after != null) return { outcome: "rate_limited", retryAfterSeconds: Number(row.retry_after) };
      if (Number(row.created) === 1) return { outcome: "created", send: 1, expiresInSeconds: c.ttlSeconds, resendAfterSeconds: c.resendSeconds };
      if (Number(row.prior) === 0) return { outcome: "conflict" };
      return {
        outcome: row.renewed_send != null ? "renewed" : "replayed",
        send: row.renewed_send != null ? Number(row.renewed_send) : null,
        expiresInSeconds: Number(row.expires_in),
        resendAfterSeconds: Number(row.resend_after),
      };
    },

    async consumeChallenge(id: string, proof: Proof, { ipHit, refresh, lockout, client }): Promise<ConsumeResult> {
      // One statement decides, for every factor. What "the right code" means:
      // - e-mail, SMS: the presented code's MAC equals the challenge's;
      // - TOTP: it equals the MAC kept for a step within one of now (the database's
      //   clock), and that step is later than the last one the account's
      //   authenticator accepted. The factor row is locked first (tf, FOR UPDATE):
      //   parallel verifies of one code, on this or another challenge, queue on it,
      //   and each re-reads last_step after the one before commits, so a step is
      //   accepted once;
      // - recovery: an unused code of the account has this MAC; its row is locked
      //   (rc, FOR UPDATE) and re-checked the same way, so a code works once.
      // Then the row lock on the challenge serialises parallel verifies of it: each
      // re-checks the WHERE clause after the previous one commits, so exactly one
      // right code consumes it and every wrong guess is counted exactly once, on
      // the challenge and on the account's streak (waits, lock).
      const recovery = proof.recoveryMacs.length
        ? sql`ARRAY[${sql.join(proof.recoveryMacs.map((m) => sql`${m}`), sql`, `)}]::text[]`
        : sql`ARRAY[]::text[]`;
      // Read from the locked row itself (ch), so a resend that replaced the code
      // just before is seen: the old code no longer matches.
      const matches = sql`(CASE ch.channel
          WHEN 'totp' THEN (SELECT s FROM step) IS NOT NULL
          WHEN 'recovery' THEN EXISTS (SELECT 1 FROM rc)
          ELSE ch.code_mac = ${proof.mac} END)`;
      const result = await db.execute<{
        retry_after: number | null;
        user_id: string | null;
        verified: boolean | null;
        remaining: number | null;
        factor: FactorType | null;
        auth_time: string | null;
        locale: string | null;
      }>(sql`
        WITH ${rateLimitCtes([ipHit])},
        ch0 AS (SELECT user_id, channel, step_macs, first_step FROM challenges WHERE id = ${id}),
        tf AS (
          SELECT f.id, f.last_step FROM factors f JOIN ch0 ON f.user_id = ch0.user_id
          WHERE ch0.channel = 'totp' AND f.type = 'totp' AND f.status = 'active'
          FOR UPDATE OF f
        ),
        step AS (
          SELECT max(s) AS s
          FROM ch0, tf, generate_series(floor(EXTRACT(EPOCH FROM now()) / ${STEP_SECONDS})::bigint - 1,
                                        floor(EXTRACT(EPOCH FROM now()) / ${STEP_SECONDS})::bigint + 1) AS s
          WHERE s >= ch0.first_step AND ch0.step_macs[s - ch0.first_step + 1] = ${proof.mac}
            AND s > COALESCE(tf.last_step, -1)
        ),
        rc AS (
          SELECT r.user_id, r.code_mac FROM recovery_codes r JOIN ch0 ON r.user_id = ch0.user_id
          WHERE ch0.channel = 'recovery' AND r.used_at IS NULL AND r.code_mac = ANY(${recovery})
          LIMIT 1
          FOR UPDATE OF r
        ),
        c AS (
          UPDATE challenges ch
          SET attempts = ch.attempts + CASE WHEN ${matches} THEN 0 ELSE 1 END,
              consumed_at = CASE WHEN ${matches} THEN now() ELSE NULL END
          WHERE ch.id = ${id} AND ch.purpose = 'sign_in'
            AND ch.consumed_at IS NULL AND ch.expires_at > now() AND ch.attempts < ch.max_attempts
            AND NOT EXISTS (SELECT 1 FROM over)
            AND NOT EXISTS (SELECT 1 FROM users lu WHERE lu.id = ch.user_id AND lu.locked_at IS NOT NULL)
          RETURNING ch.user_id, ch.channel, ch.consumed_at IS NOT NULL AS verified, ch.max_attempts - ch.attempts AS remaining
        ),
        totp_used AS (
          UPDATE factors f SET last_step = (SELECT s FROM step), last_used_at = now()
          FROM c WHERE c.verified AND c.channel = 'totp' AND f.id = (SELECT id FROM tf)
          RETURNING f.id
        ),
        code_used AS (
          UPDATE recovery_codes r SET used_at = now()
          FROM c, rc WHERE c.verified AND c.channel = 'recovery' AND r.user_id = rc.user_id AND r.code_mac = rc.code_mac
          RETURNING r.code_mac
        ),
        streak AS (
          UPDATE users u SET ${streakAfter(sql`c.verified`, lockout)},
            -- The first accepted code sent to an address or a number proves it.
            email_verified_at = CASE WHEN c.verified AND c.channel = 'email' THEN COALESCE(u.email_verified_at, now()) ELSE u.email_verified_at END,
            phone_verified_at = CASE WHEN c.verified AND c.channel = 'sms' THEN COALESCE(u.phone_verified_at, now()) ELSE u.phone_verified_at END
          FROM c WHERE u.id = c.user_id
          RETURNING u.id, u.locale, u.locked_at IS NOT NULL AND u.locked_at = now() AS locked_now
        ),
        family AS (
          INSERT INTO refresh_sessions (id, sid, user_id, token_hash, expires_at, auth_time, factor, user_agent, ip_prefix, last_used_at)
          SELECT ${refresh.familyId}, ${refresh.sid}, c.user_id, ${refresh.tokenHash}, now() + make_interval(secs => ${refresh.ttlSeconds}),
                 now(), c.channel, ${client.userAgent}, ${client.ipPrefix}, now()
          FROM c WHERE c.verified
          RETURNING id
        ),
        events AS (
          INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor)
          SELECT c.user_id, e.type, ${client.ipPrefix}, ${client.userAgent}, c.channel
          FROM c CROSS JOIN LATERAL (VALUES
            (CASE WHEN c.verified THEN 'login_succeeded' ELSE 'login_failed' END),
            (CASE WHEN NOT c.verified AND c.remaining = 0 THEN 'challenge_locked' END),
            (CASE WHEN (SELECT locked_now FROM streak) THEN 'account_locked' END),
            (CASE WHEN c.verified AND c.channel = 'recovery' THEN 'recovery_code_used' END)
          ) AS e(type)
          WHERE e.type IS NOT NULL
          RETURNING 1
        )
        SELECT (SELECT retry_after FROM over) AS retry_after, c.user_id, c.verified, c.remaining, c.channel AS factor,
               EXTRACT(EPOCH FROM now())::float8 AS auth_time, (SELECT locale FROM streak) AS locale,
               (SELECT count(*) FROM streak) AS streak, (SELECT count(*) FROM family) AS family, (SELECT count(*) FROM events) AS events,
               (SELECT count(*) FROM totp_used) AS totp_used, (SELECT count(*) FROM code_used) AS code_used
        FROM (SELECT 1) AS one LEFT JOIN c ON true`);
      const row = result.rows[0];
      if (row?.retry_after != null) return { outcome: "rate_limited", retryAfterSeconds: Number(row.retry_after) };
      if (!row?.user_id) return { outcome: "gone" };
      return row.verified
        ? { outcome: "verified", userId: row.user_id, factor: row.factor!, authTime: Math.floor(Number(row.auth_time)), locale: row.locale ?? "en", sid: refresh.sid }
        : { outcome: "wrong_code", attemptsRemaining: Number(row.remaining) };
    },

    async renewChallenge(id: string, mac: string, limits: RenewLimits): Promise<RenewResult> {
      // Lock the live row; count a code against the account (and the number, for
      // SMS) only if the cooldown and the per-challenge cap allow a send; update
      // only if no counter is over. One statement, so parallel resends send once.
      const result = await db.execute<{
        channel: Channel;
        destination: string;
        sends: number;
        cooldown_left: number;
        over_retry_after: number | null;
        renewed: number;
        resendable: boolean;
        locale: string;
      }>(sql`
        WITH cur AS (
          SELECT ch.id, ch.user_id, ch.channel, ch.destination, ch.sends, ch.resend_after,
                 ch.channel IN ('email', 'sms') AS resendable,
                 ch.channel IN ('email', 'sms') AND ch.resend_after <= now() AND ch.sends < ${limits.maxSends} AS may_send
          FROM challenges ch
          WHERE ch.id = ${id} AND ch.purpose = 'sign_in' AND ch.consumed_at IS NULL AND ch.expires_at > now() AND ch.attempts < ch.max_attempts
            AND NOT EXISTS (SELECT 1 FROM users lu WHERE lu.id = ch.user_id AND lu.locked_at IS NOT NULL)
          FOR UPDATE OF ch
        ),
        ${rateLimitCtes(sql`
          SELECT 'codes_account:' || user_id::text, ${limits.codesAccount.windowSeconds}::int, ${limits.codesAccount.limit}::int FROM cur WHERE may_send
          UNION ALL
          SELECT 'sms_number:' || destination, ${limits.smsNumber.windowSeconds}::int, ${limits.smsNumber.limit}::int FROM cur WHERE may_send AND channel = 'sms'`)},
        upd AS (
          UPDATE challenges c
          SET code_mac = ${mac},
              sends = c.sends + 1,
              delivery_status = 'queued', delivery_claimed_at = NULL, delivery_error = NULL,
              expires_at = now() + make_interval(secs => ${limits.ttlSeconds}),
              resend_after = now() + make_interval(secs => ${limits.resendSeconds})
          FROM cur
          WHERE c.id = cur.id AND cur.may_send AND NOT EXISTS (SELECT 1 FROM over)
          RETURNING c.id
        )
        SELECT cur.channel, cur.destination, cur.sends, cur.resendable, (SELECT locale FROM users WHERE id = cur.user_id) AS locale,
               GREATEST(1, CEIL(EXTRACT(EPOCH FROM cur.resend_after - now())))::int AS cooldown_left,
               (SELECT retry_after FROM over) AS over_retry_after,
               (SELECT count(*) FROM upd)::int AS renewed
        FROM cur`);
      const row = result.rows[0];
      if (!row) return { outcome: "gone" };
      if (!row.resendable) return { outcome: "not_resendable" };
      if (Number(row.renewed) === 1) {
        return {
          outcome: "renewed",
          channel: row.channel,
          destination: row.destination,
          expiresInSeconds: limits.ttlSeconds,
          send: Number(row.sends) + 1,
          locale: row.locale,
        };
      }
      if (Number(row.sends) >= limits.maxSends) return { outcome: "send_limit" };
      if (row.over_retry_after != null) return { outcome: "rate_limited", retryAfterSeconds: Number(row.over_retry_after) };
      return { outcome: "too_soon", retryAfterSeconds: Number(row.cooldown_left) };
    },

    async revokeChallenge(id: string): Promise<void> {
      await db.update(challenges).set({ consumedAt: sql`now()` }).where(and(eq(challenges.id, id), isNull(challenges.consumedAt)));
    },
  };
}
