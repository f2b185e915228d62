/**
 * Sign-in in Postgres: the login read, challenges, and the one statement every
 * factor's code is checked by. Each method is one statement; the comments say
 * why each is safe when a thousand instances run it at once. Time is always the
 * database's `now()`: one clock for every instance.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type {
  ConsumeResult,
  LoginLookup,
  NewChallenge,
  Proof,
  RenewLimits,
  RenewResult,
  SignInStore,
} from "../../functions/core/signin/store";
import type { RateHit, RateVerdict } from "../../functions/core/limits";
import type { Channel } from "../../functions/core/types";
import type { Db } from "../client";
import { challenges } from "../schema";
import { rateLimitCtes, verdict } from "./limits";

export function signInStore(db: Db): SignInStore {
  return {
    async findUserForLogin(email: string, hits: RateHit[]): Promise<LoginLookup> {
      // The counters and the account in one round trip, before any password hashing.
      const result = await db.execute<{
        retry_after: number | null;
        id: string | null;
        email: string;
        phone: string | null;
        password_hash: string;
        locked: boolean;
        wait_seconds: number;
      }>(sql`
        WITH ${rateLimitCtes(hits)}
        SELECT (SELECT retry_after FROM over) AS retry_after,
               u.id, u.email, u.phone, u.password_hash,
               u.locked_at IS NOT NULL AS locked,
               GREATEST(0, CEIL(EXTRACT(EPOCH FROM u.otp_blocked_until - now())))::int AS wait_seconds
        FROM (SELECT 1) AS one LEFT JOIN users u ON u.email = ${email}`);
      const row = result.rows[0];
      return {
        rate: verdict(row?.retry_after),
        user: row?.id
          ? {
              id: row.id,
              email: row.email,
              phone: row.phone,
              passwordHash: row.password_hash,
              locked: row.locked,
              waitSeconds: Number(row.wait_seconds ?? 0),
            }
          : null,
      };
    },

    async createChallenge(c: NewChallenge, hits: RateHit[]): Promise<RateVerdict> {
      const result = await db.execute<{ retry_after: number | null; created: number }>(sql`
        WITH ${rateLimitCtes(hits)},
        ins AS (
          INSERT INTO challenges (id, user_id, channel, destination, code_mac, max_attempts, expires_at, resend_after)
          SELECT ${c.id}, ${c.userId}, ${c.factor}, ${c.destination}, ${c.check.mac}, ${c.maxAttempts},
                 now() + make_interval(secs => ${c.ttlSeconds}), now() + make_interval(secs => ${c.resendSeconds})
          WHERE NOT EXISTS (SELECT 1 FROM over)
          RETURNING id
        )
        SELECT (SELECT retry_after FROM over) AS retry_after, (SELECT count(*) FROM ins)::int AS created`);
      return verdict(result.rows[0]?.retry_after);
    },

    async consumeChallenge(id: string, proof: Proof, { ipHit, refresh, lockout }): Promise<ConsumeResult> {
      // One statement decides. The row lock on the challenge serialises parallel
      // verifies, and each re-checks the WHERE clause after the previous one
      // commits: exactly one right code consumes the challenge, and every wrong
      // guess is counted exactly once, on the challenge and on the account.
      // The account's streak of wrong codes sets a wait that doubles every
      // \`waitAfter\` failures, and locks the account at \`lockAfter\`.
      const result = await db.execute<{
        retry_after: number | null;
        user_id: string | null;
        verified: boolean | null;
        remaining: number | null;
      }>(sql`
        WITH ${rateLimitCtes([ipHit])},
        c AS (
          UPDATE challenges ch
          SET attempts = ch.attempts + CASE WHEN ch.code_mac = ${proof.mac} THEN 0 ELSE 1 END,
              consumed_at = CASE WHEN ch.code_mac = ${proof.mac} THEN now() ELSE NULL END
          WHERE ch.id = ${id}
            AND ch.consumed_at IS NULL AND ch.expires_at > now() AND ch.attempts < ch.max_attempts
            AND NOT EXISTS (SELECT 1 FROM over)
            AND NOT EXISTS (SELECT 1 FROM users lu WHERE lu.id = ch.user_id AND lu.locked_at IS NOT NULL)
          RETURNING ch.user_id, ch.consumed_at IS NOT NULL AS verified, ch.max_attempts - ch.attempts AS remaining
        ),
        streak AS (
          UPDATE users u SET
            failed_otp_count = CASE WHEN c.verified THEN 0 ELSE u.failed_otp_count + 1 END,
            otp_blocked_until = CASE
              WHEN c.verified THEN NULL
              WHEN u.failed_otp_count + 1 >= ${lockout.waitAfter} THEN now() + make_interval(secs => LEAST(
                ${lockout.maxWaitSeconds}::int,
                ${lockout.baseWaitSeconds}::int * power(2, floor((u.failed_otp_count + 1 - ${lockout.waitAfter}::int) / ${lockout.waitAfter}::int))::int))
              ELSE u.otp_blocked_until END,
            locked_at = CASE WHEN NOT c.verified AND u.failed_otp_count + 1 >= ${lockout.lockAfter}::int THEN now() ELSE u.locked_at END
          FROM c WHERE u.id = c.user_id
          RETURNING u.id
        ),
        family AS (
          INSERT INTO refresh_sessions (id, user_id, token_hash, expires_at)
          SELECT ${refresh.familyId}, c.user_id, ${refresh.tokenHash}, now() + make_interval(secs => ${refresh.ttlSeconds})
          FROM c WHERE c.verified
          RETURNING id
        )
        SELECT (SELECT retry_after FROM over) AS retry_after, c.user_id, c.verified, c.remaining,
               (SELECT count(*) FROM streak) AS streak, (SELECT count(*) FROM family) AS family
        FROM (SELECT 1) AS one LEFT JOIN c ON true`);
      const row = result.rows[0];
      if (row?.retry_after != null) return { outcome: "rate_limited", retryAfterSeconds: Number(row.retry_after) };
      if (!row?.user_id) return { outcome: "gone" };
      return row.verified
        ? { outcome: "verified", userId: row.user_id }
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
      }>(sql`
        WITH cur AS (
          SELECT ch.id, ch.user_id, ch.channel, ch.destination, ch.sends, ch.resend_after,
                 ch.resend_after <= now() AND ch.sends < ${limits.maxSends} AS may_send
          FROM challenges ch
          WHERE ch.id = ${id} AND ch.consumed_at IS NULL AND ch.expires_at > now() AND ch.attempts < ch.max_attempts
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
        SELECT cur.channel, cur.destination, cur.sends,
               GREATEST(1, CEIL(EXTRACT(EPOCH FROM cur.resend_after - now())))::int AS cooldown_left,
               (SELECT retry_after FROM over) AS over_retry_after,
               (SELECT count(*) FROM upd)::int AS renewed
        FROM cur`);
      const row = result.rows[0];
      if (!row) return { outcome: "gone" };
      if (Number(row.renewed) === 1) {
        return {
          outcome: "renewed",
          channel: row.channel,
          destination: row.destination,
          expiresInSeconds: limits.ttlSeconds,
          send: Number(row.sends) + 1,
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
