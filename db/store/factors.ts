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
import type { Caller, ClientMeta } from "../../functions/core/types";
import { eventValues, liveSession } from "./common";
import { streakAfter } from "./limits";

function recoveryRows(userId: string, recovery: { macs: string[]; keyId: string }) {
  return sql.join(
    recovery.macs.map((mac) => sql`(${userId}::uuid, ${mac}, ${recovery.keyId})`),
    sql`, `,
  );
}

export function factorStore(db: Db): FactorStore {
  return {
    async enrolTotp(caller: Caller, factor: { id: string } & SealedSecret): Promise<EnrolResult> {
      // Insert, or replace a pending one in place; an active one is never touched
      // (the conflict's WHERE is false, so nothing is returned and the caller says 409).
      const result = await db.execute<{ email: string | null; enrolled: number }>(sql`
        WITH u AS (SELECT id, email FROM users WHERE id = ${caller.userId} AND ${liveSession(caller)}),
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
      if (!row?.email) return { status: "dead_caller" };
      return Number(row.enrolled) === 1 ? { status: "pending", email: row.email } : { status: "exists" };
    },

    async pendingTotp(caller: Caller, maxAttempts: number) {
      const result = await db.execute<{ live: boolean; id: string | null; secret_sealed: string; key_id: string; attempts: number }>(sql`
        SELECT ${liveSession(caller)} AS live, f.id, f.secret_sealed, f.key_id, f.attempts
        FROM (SELECT 1) AS one
        LEFT JOIN factors f ON f.user_id = ${caller.userId} AND f.type = 'totp' AND f.status = 'pending' AND f.attempts < ${maxAttempts}`);
      const row = result.rows[0];
      if (!row?.live) return "dead_caller" as const;
      return row.id ? { id: row.id, secretSealed: row.secret_sealed, keyId: row.key_id, attempts: Number(row.attempts) } : null;
    },

    async confirmTotp(userId, factorId, step, maxAttempts, recovery, client): Promise<ConfirmResult> {
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
        ),
        ev AS (
          INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor)
          SELECT user_id, ${eventValues("factor_enrolled", client, "totp")} FROM act RETURNING 1
        )
        SELECT (SELECT count(*) FROM act)::int AS confirmed, (SELECT count(*) FROM codes)::int AS created, (SELECT count(*) FROM ev) AS logged`);
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

    async listFactors(caller: Caller) {
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
        FROM users u WHERE u.id = ${caller.userId} AND ${liveSession(caller)}`);
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

    async removeTotp(caller: Caller, client: ClientMeta) {
      const result = await db.execute<{ live: boolean; removed: number }>(sql`
        WITH ok AS (SELECT ${liveSession(caller)} AS live),
        d AS (DELETE FROM factors WHERE user_id = ${caller.userId} AND type = 'totp' AND (SELECT live FROM ok) RETURNING user_id),
        ev AS (INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor) SELECT user_id, ${eventValues("factor_removed", client, "totp")} FROM d RETURNING 1)
        SELECT (SELECT live FROM ok) AS live, (SELECT count(*) FROM d)::int AS removed, (SELECT count(*) FROM ev) AS logged`);
      const row = result.rows[0];
      if (!row?.live) return "dead_caller" as const;
      return Number(row.removed) > 0 ? ("removed" as const) : ("none" as const);
    },

    async replaceRecoveryCodes(caller: Caller, recovery, client): Promise<boolean> {
      // The old codes die in the same statement the new ones are stored.
      const userId = caller.userId;
      const result = await db.execute<{ inserted: number }>(sql`
        WITH u AS (SELECT id FROM users WHERE id = ${userId} AND ${liveSession(caller)}),
        old AS (DELETE FROM recovery_codes WHERE user_id IN (SELECT id FROM u) RETURNING 1),
        ins AS (
          INSERT INTO recovery_codes (user_id, code_mac, key_id)
          SELECT v.user_id, v.code_mac, v.key_id FROM (VALUES ${recoveryRows(userId, recovery)}) AS v(user_id, code_mac, key_id)
          WHERE EXISTS (SELECT 1 FROM u)
          RETURNING 1
        ),
        ev AS (INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor) SELECT id, ${eventValues("recovery_codes_regenerated", client)} FROM u RETURNING 1)
        SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM old)::int AS deleted, (SELECT count(*) FROM ev) AS logged`);
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
