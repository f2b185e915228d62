/** The health ping and the cron's cleanup, one statement each. */
import { sql } from "drizzle-orm";
import type { CleanupCounts, CleanupStore } from "../../functions/core/cleanup";
import type { HealthStore } from "../../functions/core/health";
import type { Db } from "../client";

export function maintenanceStore(db: Db): CleanupStore & HealthStore {
  return {
    async deleteExpired(batch: number, eventsRetentionDays: number): Promise<CleanupCounts> {
      // Bounded batches: each DELETE touches at most \`batch\` rows, so cleanup never
      // holds long locks or runs past a cron invocation's CPU limit. Challenges stay
      // a day past expiry so support can still see what happened to a code.
      const result = await db.execute<{ challenges: number; rate_limits: number; refresh_sessions: number; events: number }>(sql`
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
        ), e AS (
          -- The security log is personal data: kept AUTH_EVENTS_RETENTION_DAYS, then gone.
          DELETE FROM auth_events WHERE id IN (
            SELECT id FROM auth_events WHERE at < now() - make_interval(days => ${eventsRetentionDays}) ORDER BY at LIMIT ${batch})
          RETURNING 1
        )
        SELECT (SELECT count(*) FROM c)::int AS challenges, (SELECT count(*) FROM r)::int AS rate_limits,
               (SELECT count(*) FROM s)::int AS refresh_sessions, (SELECT count(*) FROM e)::int AS events`);
      const row = result.rows[0]!;
      return {
        challenges: Number(row.challenges),
        rateLimits: Number(row.rate_limits),
        refreshSessions: Number(row.refresh_sessions),
        events: Number(row.events),
      };
    },

    async ping(): Promise<void> {
      await db.execute(sql`SELECT 1`);
    },
  };
}
