/**
 * Enrolled factors and recovery codes in Postgres: one statement per method.
 * A pending authenticator becomes active only through `confirmTotp`, whose
 * WHERE clause re-checks that it is still pending with attempts left after any
 * parallel confirmation commits.
 */
import { and, eq, sql } from "drizzle-orm";
import type { LockoutPolicy } from "../../functions/core/config";
import type { ConfirmResult, EnrolResult, FactorRow, FactorStore, PendingTotp, SealedSecret } from "../../functions/core/factors/store";
import type { Db } from "../client";
import { factors } from "../schema";
import { streakAfter } from "./limits";

function recoveryRows(userId: string, recovery: { macs: string[]; keyId: string }) {
  return sql.join(
    recovery.macs.map((mac) => sql`(${userId}::uuid, ${mac}, ${recovery.keyId})`),
    sql`, `,
  );
}

export function factorStore(db: Db): FactorStore {
  return {
    async enrolTotp(userId: string, factor: { id: string } & SealedSecret): Promise<EnrolResult> {
      // Insert, or replace a pending one in place; an active one is never touched
      // (the conflict's WHERE is false, so nothing is returned and the caller says 409).
      const result = await db.execute<{ email: string | null; enrolled: number }>(sql`
        WITH u AS (SELECT id, email FROM users WHERE id = ${userId}),
        ins AS (
          INSERT INTO factors AS f (id, user_id, type, status, secret_sealed, key_id)
          SELECT ${factor.id}, u.id, 'totp', 'pending', ${factor.secretSealed}, ${factor.keyId} FROM u
          ON CONFLICT (user_id, type) DO UPDATE SET
            id = excluded.id, secret_sealed = excluded.secret_sealed, key_id = excluded.key_id,
            attempts = 0, last_step = NULL, created_at = now()
          WHERE f.status = 'pending'
          RETURNING f.id
        )
        SELECT (SELECT email FROM u) AS email, (SELECT count(*) FROM ins)::int AS enrolled`);
      const row = result.rows[0];
      if (!row?.email) return { status: "no_account" };
      return Number(row.enrolled) === 1 ? { status: "pending", email: row.email } : { status: "exists" };
    },

    async pendingTotp(userId: string, maxAttempts: number): Promise<PendingTotp | null> {
      const rows = await db
        .select({ id: factors.id, secretSealed: factors.secretSealed, keyId: factors.keyId, attempts: factors.attempts })
        .from(factors)
        .where(and(eq(factors.userId, userId), eq(factors.type, "totp"), eq(factors.status, "pending"), sql`${factors.attempts} < ${maxAttempts}`));
      return rows[0] ?? null;
    },

    async confirmTotp(userId, factorId, step, maxAttempts, recovery): Promise<ConfirmResult> {
      const result = await db.execute<{ confirmed: number; created: number }>(sql`
        WITH act AS (
          UPDATE factors SET status = 'active', last_step = ${step}::bigint, confirmed_at = now(), last_used_at = now()
          WHERE id = ${factorId} AND user_id = ${userId} AND status = 'pending' AND attempts < ${maxAttempts}
          RETURNING user_id
        ),
        codes AS (
          INSERT INTO recovery_codes (user_id, code_mac, key_id)
          SELECT v.user_id, v.code_mac, v.key_id FROM (VALUES ${recoveryRows(userId, recovery)}) AS v(user_id, code_mac, key_id)
          WHERE EXISTS (SELECT 1 FROM act)
            AND NOT EXISTS (SELECT 1 FROM recovery_codes r WHERE r.user_id = ${userId} AND r.used_at IS NULL)
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM act)::int AS confirmed, (SELECT count(*) FROM codes)::int AS created`);
      const row = result.rows[0];
      if (!row || Number(row.confirmed) !== 1) return { outcome: "gone" };
      return { outcome: "confirmed", recoveryCodesCreated: Number(row.created) > 0 };
    },

    async failTotpConfirmation(userId: string, factorId: string, maxAttempts: number, lockout: LockoutPolicy) {
      // The factor's attempts and the account's streak move together: a wrong code
      // here costs what a wrong code at sign-in costs.
      const result = await db.execute<{ remaining: number | null }>(sql`
        WITH f AS (
          UPDATE factors SET attempts = attempts + 1
          WHERE id = ${factorId} AND user_id = ${userId} AND status = 'pending' AND attempts < ${maxAttempts}
          RETURNING ${maxAttempts}::int - attempts AS remaining
        ),
        streak AS (
          UPDATE users u SET ${streakAfter(sql`false`, lockout)}
          WHERE u.id = ${userId} AND EXISTS (SELECT 1 FROM f)
          RETURNING u.id
        )
        SELECT (SELECT remaining FROM f) AS remaining, (SELECT count(*) FROM streak) AS streak`);
      const remaining = result.rows[0]?.remaining;
      return remaining === null || remaining === undefined ? null : { attemptsRemaining: Number(remaining) };
    },

    async listFactors(userId: string) {
      const result = await db.execute<{
        email: string;
        phone: string | null;
        created_at: string;
        factors: { id: string; status: "pending" | "active"; created_at: string; last_used_at: string | null }[] | null;
        recovery_remaining: number;
        email_used: string | null;
        sms_used: string | null;
      }>(sql`
        SELECT u.email, u.phone, to_json(u.created_at) #>> '{}' AS created_at,
               (SELECT json_agg(json_build_object('id', f.id, 'status', f.status, 'created_at', f.created_at, 'last_used_at', f.last_used_at))
                FROM factors f WHERE f.user_id = u.id) AS factors,
               (SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL)::int AS recovery_remaining,
               (SELECT to_json(max(s.created_at)) #>> '{}' FROM refresh_sessions s WHERE s.user_id = u.id AND s.factor = 'email') AS email_used,
               (SELECT to_json(max(s.created_at)) #>> '{}' FROM refresh_sessions s WHERE s.user_id = u.id AND s.factor = 'sms') AS sms_used
        FROM users u WHERE u.id = ${userId}`);
      const row = result.rows[0];
      if (!row) return null;
      const list: FactorRow[] = [
        { id: "email", type: "email", status: "active", destination: row.email, createdAt: row.created_at, lastUsedAt: row.email_used },
      ];
      if (row.phone) list.push({ id: "sms", type: "sms", status: "active", destination: row.phone, createdAt: row.created_at, lastUsedAt: row.sms_used });
      for (const f of row.factors ?? []) {
        list.push({ id: f.id, type: "totp", status: f.status, destination: null, createdAt: f.created_at, lastUsedAt: f.last_used_at });
      }
      return { factors: list, recoveryRemaining: Number(row.recovery_remaining) };
    },

    async removeTotp(userId: string): Promise<boolean> {
      const rows = await db.delete(factors).where(and(eq(factors.userId, userId), eq(factors.type, "totp"))).returning({ id: factors.id });
      return rows.length > 0;
    },

    async replaceRecoveryCodes(userId, recovery): Promise<boolean> {
      // The old codes die in the same statement the new ones are stored.
      const result = await db.execute<{ inserted: number }>(sql`
        WITH u AS (SELECT id FROM users WHERE id = ${userId}),
        old AS (DELETE FROM recovery_codes WHERE user_id IN (SELECT id FROM u) RETURNING 1),
        ins AS (
          INSERT INTO recovery_codes (user_id, code_mac, key_id)
          SELECT v.user_id, v.code_mac, v.key_id FROM (VALUES ${recoveryRows(userId, recovery)}) AS v(user_id, code_mac, key_id)
          WHERE EXISTS (SELECT 1 FROM u)
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM old)::int AS deleted`);
      return Number(result.rows[0]?.inserted ?? 0) > 0;
    },

    async totpSealedWith(keyId: string, limit: number) {
      return db
        .select({ id: factors.id, secretSealed: factors.secretSealed, keyId: factors.keyId })
        .from(factors)
        .where(eq(factors.keyId, keyId))
        .limit(limit);
    },

    async resealTotp(factorId: string, oldKeyId: string, sealed: SealedSecret): Promise<void> {
      await db
        .update(factors)
        .set({ secretSealed: sealed.secretSealed, keyId: sealed.keyId })
        .where(and(eq(factors.id, factorId), eq(factors.keyId, oldKeyId)));
    },
  };
}
