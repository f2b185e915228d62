/**
 * The Postgres implementation of the flow's AuthStore. Each method is exactly
 * one SQL statement; the comments say why each one is safe when a thousand
 * instances run it at once.
 */
import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { AuthStore, Channel, ConsumeResult, NewChallenge, RenewLimits, RenewResult, UserRecord, UserWithPassword } from "../functions/core/store";
import type { Db } from "./client";
import { challenges, users } from "./schema";

const userColumns = { id: users.id, email: users.email, phone: users.phone };

export function postgresStore(db: Db): AuthStore {
  return {
    async createUser(user: UserWithPassword): Promise<UserRecord | null> {
      // ON CONFLICT instead of check-then-insert: two parallel sign-ups for one e-mail can't both win.
      const rows = await db.insert(users).values(user).onConflictDoNothing({ target: users.email }).returning(userColumns);
      return rows[0] ?? null;
    },

    async findUserByEmail(email: string): Promise<UserWithPassword | null> {
      const rows = await db
        .select({ ...userColumns, passwordHash: users.passwordHash })
        .from(users)
        .where(eq(users.email, email))
        .limit(1);
      return rows[0] ?? null;
    },

    async findUserById(id: string): Promise<UserRecord | null> {
      const rows = await db.select(userColumns).from(users).where(eq(users.id, id)).limit(1);
      return rows[0] ?? null;
    },

    async createChallenge(c: NewChallenge): Promise<void> {
      // Expiry and cooldown use the database clock: one clock for every instance.
      await db.insert(challenges).values({
        id: c.id,
        userId: c.userId,
        channel: c.channel,
        destination: c.destination,
        codeMac: c.codeMac,
        maxAttempts: c.maxAttempts,
        expiresAt: sql`now() + make_interval(secs => ${c.ttlSeconds})`,
        resendAfter: sql`now() + make_interval(secs => ${c.resendSeconds})`,
      });
    },

    async consumeChallenge(id: string, codeMac: string): Promise<ConsumeResult> {
      // One UPDATE decides: the row lock serialises parallel verifies, and each one
      // re-checks the WHERE clause after the previous commits. So exactly one right
      // code consumes the challenge and every wrong guess is counted exactly once.
      const matches = sql`${challenges.codeMac} = ${codeMac}`;
      const rows = await db
        .update(challenges)
        .set({
          attempts: sql`${challenges.attempts} + CASE WHEN ${matches} THEN 0 ELSE 1 END`,
          consumedAt: sql`CASE WHEN ${matches} THEN now() ELSE NULL END`,
        })
        .where(
          and(
            eq(challenges.id, id),
            isNull(challenges.consumedAt),
            gt(challenges.expiresAt, sql`now()`),
            lt(challenges.attempts, challenges.maxAttempts),
          ),
        )
        .returning({
          userId: challenges.userId,
          verified: sql<boolean>`${challenges.consumedAt} IS NOT NULL`,
          remaining: sql<number>`${challenges.maxAttempts} - ${challenges.attempts}`,
        });
      const row = rows[0];
      if (!row) return { outcome: "gone" };
      return row.verified ? { outcome: "verified", userId: row.userId } : { outcome: "wrong_code", attemptsRemaining: Number(row.remaining) };
    },

    async renewChallenge(id: string, codeMac: string, limits: RenewLimits): Promise<RenewResult> {
      // Lock the live row, update it only if the cooldown and send cap allow, and
      // report why not otherwise: one statement, so two parallel resends can't both send.
      const result = await db.execute<{
        channel: Channel;
        destination: string;
        sends: number;
        retry_after: number;
        renewed: number;
      }>(sql`
        WITH cur AS (
          SELECT id, channel, destination, sends, resend_after
          FROM ${challenges}
          WHERE id = ${id} AND consumed_at IS NULL AND expires_at > now() AND attempts < max_attempts
          FOR UPDATE
        ), upd AS (
          UPDATE ${challenges} AS c
          SET code_mac = ${codeMac},
              sends = c.sends + 1,
              expires_at = now() + make_interval(secs => ${limits.ttlSeconds}),
              resend_after = now() + make_interval(secs => ${limits.resendSeconds})
          FROM cur
          WHERE c.id = cur.id AND cur.resend_after <= now() AND cur.sends < ${limits.maxSends}
          RETURNING c.id
        )
        SELECT cur.channel, cur.destination, cur.sends,
               GREATEST(1, CEIL(EXTRACT(EPOCH FROM cur.resend_after - now())))::int AS retry_after,
               (SELECT count(*) FROM upd)::int AS renewed
        FROM cur`);
      const row = result.rows[0];
      if (!row) return { outcome: "gone" };
      if (Number(row.renewed) === 1) {
        return { outcome: "renewed", channel: row.channel, destination: row.destination, expiresInSeconds: limits.ttlSeconds };
      }
      if (Number(row.sends) >= limits.maxSends) return { outcome: "send_limit" };
      return { outcome: "too_soon", retryAfterSeconds: Number(row.retry_after) };
    },

    async revokeChallenge(id: string): Promise<void> {
      await db.update(challenges).set({ consumedAt: sql`now()` }).where(and(eq(challenges.id, id), isNull(challenges.consumedAt)));
    },

    async ping(): Promise<void> {
      await db.execute(sql`SELECT 1`);
    },
  };
}
