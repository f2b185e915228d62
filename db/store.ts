/**
 * The Postgres implementation of the flow's AuthStore. Each method is exactly
 * one SQL statement; the comments say why each one is safe when a thousand
 * instances run it at once. Time is always the database's `now()`: one clock
 * for every instance.
 */
import { and, eq, gt, isNull, sql, type SQL } from "drizzle-orm";
import type {
  AuthStore,
  Channel,
  CleanupCounts,
  DeliveryClaim,
  DeliveryRecord,
  ConsumeResult,
  LoginLookup,
  NewChallenge,
  RateHit,
  RateVerdict,
  RenewLimits,
  RenewResult,
  RotateResult,
  UserRecord,
  UserWithPassword,
} from "../functions/core/store";
import type { Db } from "./client";
import { challenges, refreshSessions, users } from "./schema";

const userColumns = { id: users.id, email: users.email, phone: users.phone };

/**
 * CTEs `lim` (the hits) and `rl` (their counters after this hit). Each counter is
 * one INSERT ... ON CONFLICT DO UPDATE, atomic per key, so parallel requests on
 * any number of instances are each counted exactly once. Keys are bumped in key
 * order so two statements never wait on each other's counters in a cycle.
 * A window that has ended restarts at 1.
 */
function rateLimitCtes(hits: RateHit[] | SQL): SQL {
  const lim = Array.isArray(hits)
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

function verdict(retryAfter: number | string | null | undefined): RateVerdict {
  return retryAfter === null || retryAfter === undefined
    ? { limited: false }
    : { limited: true, retryAfterSeconds: Number(retryAfter) };
}

export function postgresStore(db: Db): AuthStore {
  return {
    async hitRateLimits(hits: RateHit[]): Promise<RateVerdict> {
      const result = await db.execute<{ retry_after: number | null }>(
        sql`WITH ${rateLimitCtes(hits)} SELECT (SELECT retry_after FROM over) AS retry_after`,
      );
      return verdict(result.rows[0]?.retry_after);
    },

    async createUser(user: UserWithPassword): Promise<UserRecord | null> {
      // ON CONFLICT instead of check-then-insert: two parallel sign-ups for one e-mail can't both win.
      const rows = await db.insert(users).values(user).onConflictDoNothing({ target: users.email }).returning(userColumns);
      return rows[0] ?? null;
    },

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

    async findUserById(id: string): Promise<UserRecord | null> {
      const rows = await db.select(userColumns).from(users).where(eq(users.id, id)).limit(1);
      return rows[0] ?? null;
    },

    async createChallenge(c: NewChallenge, hits: RateHit[]): Promise<RateVerdict> {
      const result = await db.execute<{ retry_after: number | null; created: number }>(sql`
        WITH ${rateLimitCtes(hits)},
        ins AS (
          INSERT INTO challenges (id, user_id, channel, destination, code_mac, max_attempts, expires_at, resend_after)
          SELECT ${c.id}, ${c.userId}, ${c.channel}, ${c.destination}, ${c.codeMac}, ${c.maxAttempts},
                 now() + make_interval(secs => ${c.ttlSeconds}), now() + make_interval(secs => ${c.resendSeconds})
          WHERE NOT EXISTS (SELECT 1 FROM over)
          RETURNING id
        )
        SELECT (SELECT retry_after FROM over) AS retry_after, (SELECT count(*) FROM ins)::int AS created`);
      return verdict(result.rows[0]?.retry_after);
    },

    async consumeChallenge(id, codeMac, { ipHit, refresh, lockout }): Promise<ConsumeResult> {
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
          SET attempts = ch.attempts + CASE WHEN ch.code_mac = ${codeMac} THEN 0 ELSE 1 END,
              consumed_at = CASE WHEN ch.code_mac = ${codeMac} THEN now() ELSE NULL END
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

    async renewChallenge(id: string, codeMac: string, limits: RenewLimits): Promise<RenewResult> {
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
          SET code_mac = ${codeMac},
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

    async rotateRefresh(familyId: string, tokenHash: string, newHash: string): Promise<RotateResult> {
      // One UPDATE of the family's row: the current token rotates; any other token
      // of the family (a rotated one being replayed, or the loser of two parallel
      // refreshes, which re-checks after the winner commits) revokes the family.
      const current = sql`${refreshSessions.tokenHash} = ${tokenHash} AND ${refreshSessions.revokedAt} IS NULL AND ${refreshSessions.expiresAt} > now()`;
      const rows = await db
        .update(refreshSessions)
        .set({
          tokenHash: sql`CASE WHEN ${current} THEN ${newHash} ELSE ${refreshSessions.tokenHash} END`,
          rotatedAt: sql`CASE WHEN ${current} THEN now() ELSE ${refreshSessions.rotatedAt} END`,
          revokedAt: sql`CASE WHEN ${current} THEN NULL ELSE COALESCE(${refreshSessions.revokedAt}, now()) END`,
        })
        // An expired family is simply gone: its tokens are not "reused", just old.
        .where(and(eq(refreshSessions.id, familyId), gt(refreshSessions.expiresAt, sql`now()`)))
        .returning({
          userId: refreshSessions.userId,
          rotated: sql<boolean>`${refreshSessions.tokenHash} = ${newHash}`,
          expiresIn: sql<number>`GREATEST(0, FLOOR(EXTRACT(EPOCH FROM ${refreshSessions.expiresAt} - now())))::int`,
        });
      const row = rows[0];
      if (!row) return { outcome: "gone" };
      return row.rotated ? { outcome: "rotated", userId: row.userId, expiresInSeconds: Number(row.expiresIn) } : { outcome: "reused" };
    },

    async revokeRefresh(familyId: string): Promise<void> {
      // Any token of the family logs it out, a rotated one included: a victim whose
      // token was stolen and rotated can still end the thief's session.
      await db
        .update(refreshSessions)
        .set({ revokedAt: sql`COALESCE(${refreshSessions.revokedAt}, now())` })
        .where(eq(refreshSessions.id, familyId));
    },

    async claimDelivery(challengeId: string, send: number, leaseSeconds: number): Promise<DeliveryClaim> {
      // The send must still be the current one (a resend supersedes it), the
      // challenge live, the send not yet delivered, and no fresh claim by a
      // parallel consumer: so a duplicated or retried job sends at most once.
      // A fresh claim held by someone else is reported as busy, so the job is
      // retried after the lease instead of being dropped.
      const result = await db.execute<{ channel: Channel; destination: string; claimed: number; busy: boolean }>(sql`
        WITH cur AS (
          SELECT id, channel, destination,
                 delivery_status = 'sending' AND delivery_claimed_at >= now() - make_interval(secs => ${leaseSeconds}) AS busy
          FROM challenges
          WHERE id = ${challengeId} AND sends = ${send} AND consumed_at IS NULL AND expires_at > now()
            AND delivered_send IS DISTINCT FROM ${send}
          FOR UPDATE
        ), upd AS (
          UPDATE challenges c
          SET delivery_status = 'sending', delivery_claimed_at = now(), delivery_attempts = c.delivery_attempts + 1
          FROM cur WHERE c.id = cur.id AND NOT cur.busy
          RETURNING c.id
        )
        SELECT cur.channel, cur.destination, cur.busy, (SELECT count(*) FROM upd)::int AS claimed FROM cur`);
      const row = result.rows[0];
      if (!row) return { status: "done" };
      if (Number(row.claimed) === 1) return { status: "claimed", channel: row.channel, destination: row.destination };
      return { status: "busy" };
    },

    async recordDelivery(challengeId: string, send: number, record: DeliveryRecord): Promise<void> {
      const values =
        record.status === "sent"
          ? { deliveryStatus: "sent" as const, deliveredSend: send, providerMessageId: record.messageId, deliveryError: null, deliveryClaimedAt: null }
          : { deliveryStatus: "failed" as const, deliveryError: record.error.slice(0, 500), deliveryClaimedAt: null };
      await db.update(challenges).set(values).where(and(eq(challenges.id, challengeId), eq(challenges.sends, send)));
    },

    async abandonDelivery(challengeId: string, send: number, error: string): Promise<void> {
      await db
        .update(challenges)
        .set({ deliveryStatus: "failed", deliveryError: error.slice(0, 500), consumedAt: sql`COALESCE(${challenges.consumedAt}, now())` })
        .where(and(eq(challenges.id, challengeId), eq(challenges.sends, send), sql`${challenges.deliveredSend} IS DISTINCT FROM ${send}`));
    },

    async deleteExpired(batch: number): Promise<CleanupCounts> {
      // Bounded batches: each DELETE touches at most \`batch\` rows, so cleanup never
      // holds long locks or runs past a cron invocation's CPU limit. Challenges stay
      // a day past expiry so support can still see what happened to a code.
      const result = await db.execute<{ challenges: number; rate_limits: number; refresh_sessions: number }>(sql`
        WITH c AS (
          DELETE FROM challenges WHERE id IN (
            SELECT id FROM challenges WHERE expires_at < now() - interval '1 day' ORDER BY expires_at LIMIT ${batch})
          RETURNING 1
        ), r AS (
          -- SKIP LOCKED: never wait on (or deadlock with) a request bumping a counter;
          -- the outer re-check keeps a window a request has just restarted.
          DELETE FROM rate_limits WHERE expires_at < now() AND key IN (
            SELECT key FROM rate_limits WHERE expires_at < now() ORDER BY key LIMIT ${batch} FOR UPDATE SKIP LOCKED)
          RETURNING 1
        ), s AS (
          DELETE FROM refresh_sessions WHERE id IN (
            SELECT id FROM refresh_sessions WHERE expires_at < now() OR revoked_at < now() - interval '1 day' LIMIT ${batch})
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM c)::int AS challenges, (SELECT count(*) FROM r)::int AS rate_limits,
               (SELECT count(*) FROM s)::int AS refresh_sessions`);
      const row = result.rows[0]!;
      return { challenges: Number(row.challenges), rateLimits: Number(row.rate_limits), refreshSessions: Number(row.refresh_sessions) };
    },

    async ping(): Promise<void> {
      await db.execute(sql`SELECT 1`);
    },
  };
}
