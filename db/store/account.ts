/** Accounts in Postgres: one statement per method. */
import { sql } from "drizzle-orm";
import type { AccountStore, CallerPassword, Profile, UserRecord, UserWithPassword } from "../../functions/core/account/store";
import type { RateHit } from "../../functions/core/limits";
import type { Caller, ClientMeta } from "../../functions/core/types";
import type { Db } from "../client";
import { users } from "../schema";
import { eventValues, liveSession } from "./common";
import { rateLimitCtes } from "./limits";

export const userColumns = { id: users.id, email: users.email, phone: users.phone };

/** The profile's columns, timestamps as ISO strings. */
const PROFILE = sql`u.id, u.email, u.phone, u.locale, to_json(u.email_verified_at) #>> '{}' AS email_verified_at,
  to_json(u.phone_verified_at) #>> '{}' AS phone_verified_at, to_json(u.created_at) #>> '{}' AS created_at`;

type ProfileRow = { id: string; email: string; phone: string | null; locale: string; email_verified_at: string | null; phone_verified_at: string | null; created_at: string };

function toProfile(row: ProfileRow): Profile {
  return { id: row.id, email: row.email, phone: row.phone, locale: row.locale, emailVerifiedAt: row.email_verified_at, phoneVerifiedAt: row.phone_verified_at, createdAt: row.created_at };
}

export function accountStore(db: Db): AccountStore {
  return {
    async createUser(user: UserWithPassword & { locale: string }): Promise<UserRecord | null> {
      // ON CONFLICT instead of check-then-insert: two parallel sign-ups for one e-mail can't both win.
      const rows = await db.insert(users).values(user).onConflictDoNothing({ target: users.email }).returning(userColumns);
      return rows[0] ?? null;
    },

    async findUserById(id: string): Promise<Profile | null> {
      const result = await db.execute<ProfileRow>(sql`SELECT ${PROFILE} FROM users u WHERE u.id = ${id}`);
      return result.rows[0] ? toProfile(result.rows[0]) : null;
    },

    async setLocale(caller: Caller, locale: string): Promise<Profile | null> {
      const result = await db.execute<ProfileRow>(sql`
        UPDATE users u SET locale = ${locale} WHERE u.id = ${caller.userId} AND ${liveSession(caller)} RETURNING ${PROFILE}`);
      return result.rows[0] ? toProfile(result.rows[0]) : null;
    },

    async callerPassword(caller: Caller, limits: { ip: RateHit; account: Omit<RateHit, "key"> }): Promise<CallerPassword> {
      // The same counters as a sign-in, keyed as a sign-in keys them (by e-mail and by client).
      const result = await db.execute<{ live: boolean; retry_after: number | null; password_hash: string | null; email: string | null }>(sql`
        WITH ${rateLimitCtes(sql`
          SELECT 'login_account:' || email, ${limits.account.windowSeconds}::int, ${limits.account.limit}::int FROM users WHERE id = ${caller.userId}
          UNION ALL SELECT ${limits.ip.key}::text, ${limits.ip.windowSeconds}::int, ${limits.ip.limit}::int`)}
        SELECT ${liveSession(caller)} AS live, (SELECT retry_after FROM over) AS retry_after, u.password_hash, u.email
        FROM (SELECT 1) AS one LEFT JOIN users u ON u.id = ${caller.userId}`);
      const row = result.rows[0];
      if (!row?.live || !row.password_hash || !row.email) return { status: "dead_caller" };
      if (row.retry_after !== null) return { status: "limited", verdict: { limited: true, retryAfterSeconds: Number(row.retry_after) } };
      return { status: "ok", passwordHash: row.password_hash, email: row.email };
    },

    async changePassword(caller: Caller, passwordHash: string, client: ClientMeta): Promise<boolean> {
      // The new hash, every other session revoked (the caller's survives), and the log: one statement.
      const result = await db.execute<{ changed: number }>(sql`
        WITH u AS (UPDATE users SET password_hash = ${passwordHash} WHERE id = ${caller.userId} AND ${liveSession(caller)} RETURNING id),
        others AS (
          UPDATE refresh_sessions s SET revoked_at = now()
          WHERE s.user_id IN (SELECT id FROM u) AND s.revoked_at IS NULL AND s.sid IS DISTINCT FROM ${caller.sid}::uuid
          RETURNING 1
        ),
        ev AS (INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor) SELECT id, ${eventValues("password_changed", client)} FROM u RETURNING 1)
        SELECT (SELECT count(*) FROM u)::int AS changed, (SELECT count(*) FROM others) AS revoked, (SELECT count(*) FROM ev) AS logged`);
      return Number(result.rows[0]?.changed ?? 0) === 1;
    },

    async deleteAccount(caller: Caller): Promise<boolean> {
      // Every row of the account goes with it (ON DELETE CASCADE): challenges,
      // sessions, factors, recovery codes, events. Rate-limit counters hold no id
      // that points back and expire on their own.
      const result = await db.execute<{ id: string }>(sql`DELETE FROM users WHERE id = ${caller.userId} AND ${liveSession(caller)} RETURNING id`);
      return result.rows.length === 1;
    },

    async exportAccount(caller: Caller): Promise<Record<string, unknown> | null> {
      const result = await db.execute<{ data: Record<string, unknown> | null }>(sql`
        SELECT json_build_object(
          'profile', json_build_object('id', u.id, 'email', u.email, 'phone', u.phone, 'locale', u.locale,
                                       'email_verified_at', u.email_verified_at, 'phone_verified_at', u.phone_verified_at, 'created_at', u.created_at),
          'factors', COALESCE((SELECT json_agg(json_build_object('id', f.id, 'type', f.type, 'status', f.status, 'created_at', f.created_at,
                                                                  'confirmed_at', f.confirmed_at, 'last_used_at', f.last_used_at))
                               FROM factors f WHERE f.user_id = u.id), '[]'::json),
          'recovery_codes', json_build_object(
            'unused', (SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL),
            'used', (SELECT count(*) FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NOT NULL)),
          'sessions', COALESCE((SELECT json_agg(json_build_object('id', s.sid, 'created_at', s.created_at, 'last_used_at', s.last_used_at,
                                                                   'user_agent', s.user_agent, 'ip_prefix', s.ip_prefix, 'factor', s.factor,
                                                                   'revoked_at', s.revoked_at, 'expires_at', s.expires_at) ORDER BY s.created_at DESC)
                                FROM refresh_sessions s WHERE s.user_id = u.id), '[]'::json),
          'events', COALESCE((SELECT json_agg(json_build_object('id', e.id::text, 'type', e.type, 'at', e.at, 'ip_prefix', e.ip_prefix,
                                                                 'user_agent', e.user_agent, 'factor', e.factor) ORDER BY e.id DESC)
                              FROM auth_events e WHERE e.user_id = u.id), '[]'::json)
        ) AS data
        FROM users u WHERE u.id = ${caller.userId} AND ${liveSession(caller)}`);
      return result.rows[0]?.data ?? null;
    },
  };
}

