/** Sessions (refresh-token families) in Postgres: one statement per method. */
import { sql } from "drizzle-orm";
import type { RotateResult, SessionStore, SessionView } from "../../functions/core/session/store";
import type { Caller, ClientMeta, FactorType } from "../../functions/core/types";
import type { Db } from "../client";
import { eventValues, liveSession } from "./common";

export function sessionStore(db: Db): SessionStore {
  return {
    async rotateRefresh(familyId: string, tokenHash: string, newHash: string, client: ClientMeta, { graceSeconds = 0 } = {}): Promise<RotateResult> {
      // One UPDATE of the family's row: the current token rotates (the row keeps
      // the hash it replaced, and where it was used from). The token it replaced,
      // presented again within the grace while its successor (the same newHash,
      // derived from it) is still the current one, is a retry whose answer was
      // lost: nothing changes and the same pair goes back (parallel refreshes
      // with one token meet here too, re-checking after the first commits). Any
      // other token of the family revokes the family, and the first such reuse is
      // logged in the same statement. SET expressions see the row as it was.
      const current = sql`s.token_hash = ${tokenHash} AND s.revoked_at IS NULL AND s.expires_at > now()`;
      const retry = sql`${graceSeconds}::int > 0 AND s.previous_token_hash = ${tokenHash} AND s.token_hash = ${newHash}
        AND s.revoked_at IS NULL AND s.rotated_at > now() - make_interval(secs => ${graceSeconds}::int)`;
      const result = await db.execute<{
        user_id: string;
        rotated: boolean;
        expires_in: number;
        auth_time: number | null;
        factor: FactorType | null;
        sid: string | null;
        retried: boolean;
      }>(sql`
        -- The row as the last committed statement left it (FOR UPDATE waits for a
        -- parallel refresh and re-reads): was the presented token still current?
        -- That, not the timing, tells a rotation from a retry.
        WITH before AS (
          SELECT b.token_hash = ${tokenHash} AS was_current FROM refresh_sessions b
          WHERE b.id = ${familyId} AND b.expires_at > now() FOR UPDATE
        ),
        cur AS (
          UPDATE refresh_sessions s SET
            previous_token_hash = CASE WHEN ${current} THEN s.token_hash ELSE s.previous_token_hash END,
            token_hash = CASE WHEN ${current} THEN ${newHash} ELSE s.token_hash END,
            rotated_at = CASE WHEN ${current} THEN now() ELSE s.rotated_at END,
            last_used_at = CASE WHEN ${current} THEN now() ELSE s.last_used_at END,
            user_agent = CASE WHEN ${current} THEN ${client.userAgent} ELSE s.user_agent END,
            ip_prefix = CASE WHEN ${current} THEN ${client.ipPrefix} ELSE s.ip_prefix END,
            revoked_at = CASE WHEN ${current} THEN NULL WHEN ${retry} THEN s.revoked_at ELSE COALESCE(s.revoked_at, now()) END
          -- An expired family is simply gone: its tokens are not "reused", just old.
          WHERE s.id = ${familyId} AND s.expires_at > now() AND EXISTS (SELECT 1 FROM before)
          RETURNING s.user_id, s.token_hash = ${newHash} AND s.revoked_at IS NULL AS rotated, s.revoked_at = now() AS revoked_now,
                    s.factor, s.sid, NOT (SELECT was_current FROM before) AS retried,
                    GREATEST(0, FLOOR(EXTRACT(EPOCH FROM s.expires_at - now())))::int AS expires_in,
                    FLOOR(EXTRACT(EPOCH FROM s.auth_time))::float8 AS auth_time
        ),
        reuse AS (
          INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor)
          SELECT user_id, ${eventValues("refresh_reuse_detected", client, sql`cur.factor`)} FROM cur WHERE NOT rotated AND revoked_now
          RETURNING 1
        )
        SELECT cur.*, (SELECT count(*) FROM reuse) AS logged FROM cur`);
      const row = result.rows[0];
      if (!row) return { outcome: "gone" };
      if (!row.rotated) return { outcome: "reused" };
      return {
        outcome: "rotated",
        userId: row.user_id,
        expiresInSeconds: Number(row.expires_in),
        session: { authTime: row.auth_time === null ? null : Number(row.auth_time), factor: row.factor, sid: row.sid },
        retried: row.retried === true,
      };
    },

    async revokeRefresh(familyId: string, client: ClientMeta): Promise<void> {
      // Any token of the family logs it out, a rotated one included: a victim whose
      // token was stolen and rotated can still end the thief's session.
      await db.execute(sql`
        WITH r AS (
          UPDATE refresh_sessions SET revoked_at = now() WHERE id = ${familyId} AND revoked_at IS NULL RETURNING user_id, factor
        )
        INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor)
        SELECT user_id, ${eventValues("session_revoked", client, sql`r.factor`)} FROM r`);
    },

    async listSessions(caller: Caller): Promise<SessionView[] | null> {
      const result = await db.execute<{
        live: boolean;
        sessions: { id: string; created_at: string; last_used_at: string | null; user_agent: string | null; ip_prefix: string | null; factor: FactorType | null }[] | null;
      }>(sql`
        SELECT ${liveSession(caller)} AS live,
               (SELECT json_agg(json_build_object('id', s.sid, 'created_at', s.created_at, 'last_used_at', s.last_used_at,
                                                  'user_agent', s.user_agent, 'ip_prefix', s.ip_prefix, 'factor', s.factor)
                                ORDER BY s.created_at DESC)
                FROM refresh_sessions s
                WHERE s.user_id = ${caller.userId} AND s.revoked_at IS NULL AND s.expires_at > now() AND s.sid IS NOT NULL) AS sessions`);
      const row = result.rows[0];
      if (!row?.live) return null;
      return (row.sessions ?? []).map((s) => ({
        id: s.id,
        createdAt: s.created_at,
        lastUsedAt: s.last_used_at,
        userAgent: s.user_agent,
        ipPrefix: s.ip_prefix,
        factor: s.factor,
      }));
    },

    async revokeSession(caller: Caller, sid: string, client: ClientMeta) {
      const result = await db.execute<{ live: boolean; revoked: number }>(sql`
        WITH ok AS (SELECT ${liveSession(caller)} AS live),
        r AS (
          UPDATE refresh_sessions s SET revoked_at = now()
          WHERE s.sid = ${sid}::uuid AND s.user_id = ${caller.userId} AND s.revoked_at IS NULL AND s.expires_at > now()
            AND (SELECT live FROM ok)
          RETURNING s.user_id, s.factor
        ),
        ev AS (
          INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor)
          SELECT user_id, ${eventValues("session_revoked", client, sql`r.factor`)} FROM r RETURNING 1
        )
        SELECT (SELECT live FROM ok) AS live, (SELECT count(*) FROM r)::int AS revoked, (SELECT count(*) FROM ev) AS logged`);
      const row = result.rows[0];
      if (!row?.live) return "dead_caller";
      return Number(row.revoked) === 1 ? "revoked" : "not_found";
    },

    async revokeAllSessions(caller: Caller, client: ClientMeta): Promise<boolean> {
      const result = await db.execute<{ live: boolean }>(sql`
        WITH ok AS (SELECT ${liveSession(caller)} AS live),
        r AS (
          UPDATE refresh_sessions s SET revoked_at = now()
          WHERE s.user_id = ${caller.userId} AND s.revoked_at IS NULL AND (SELECT live FROM ok)
          RETURNING s.user_id, s.factor
        ),
        ev AS (
          INSERT INTO auth_events (user_id, type, ip_prefix, user_agent, factor)
          SELECT user_id, ${eventValues("session_revoked", client, sql`r.factor`)} FROM r RETURNING 1
        )
        SELECT (SELECT live FROM ok) AS live, (SELECT count(*) FROM ev) AS logged`);
      return Boolean(result.rows[0]?.live);
    },
  };
}
