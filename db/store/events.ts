/** The security log in Postgres: the caller's own events, newest first, keyset-paginated by id. */
import { sql } from "drizzle-orm";
import type { AuthEvent, EventStore } from "../../functions/core/events";
import type { Caller, EventType } from "../../functions/core/types";
import type { Db } from "../client";
import { liveSession } from "./common";

export function eventStore(db: Db): EventStore {
  return {
    async listEvents(caller: Caller, beforeId: number | null, limit: number): Promise<AuthEvent[] | null> {
      const result = await db.execute<{
        live: boolean;
        events: { id: number; type: EventType; at: string; ip_prefix: string | null; user_agent: string | null; factor: string | null }[] | null;
      }>(sql`
        SELECT ${liveSession(caller)} AS live,
               (SELECT json_agg(e ORDER BY e.id DESC) FROM (
                  SELECT id, type, at, ip_prefix, user_agent, factor FROM auth_events
                  WHERE user_id = ${caller.userId} ${beforeId === null ? sql`` : sql`AND id < ${beforeId}`}
                  ORDER BY id DESC LIMIT ${limit}) AS e) AS events`);
      const row = result.rows[0];
      if (!row?.live) return null;
      return (row.events ?? []).map((e) => ({ id: Number(e.id), type: e.type, at: e.at, ipPrefix: e.ip_prefix, userAgent: e.user_agent, factor: e.factor }));
    },
  };
}
