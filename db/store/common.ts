/** SQL shared by the feature stores: the live-session check of bearer routes, and security-log rows. */
import { sql, type SQL } from "drizzle-orm";
import type { Caller, ClientMeta, EventType } from "../../functions/core/types";

/**
 * True while the caller's session (its token's `sid`) is live: not revoked, not
 * expired. Bearer routes that matter put this in the statement they already
 * make, so an access token cannot outlive its session there, at no extra round trip.
 */
export function liveSession(caller: Caller): SQL {
  if (!caller.sid) return sql`false`;
  return sql`EXISTS (SELECT 1 FROM refresh_sessions live
    WHERE live.sid = ${caller.sid}::uuid AND live.user_id = ${caller.userId}::uuid AND live.revoked_at IS NULL AND live.expires_at > now())`;
}

/** The columns of one security-log row after `user_id`: type, ip_prefix, user_agent, factor. */
export function eventValues(type: EventType, client: ClientMeta, factor: SQL | string | null = null): SQL {
  const factorSql = factor === null ? sql`NULL::text` : typeof factor === "string" ? sql`${factor}::text` : factor;
  return sql`${type}::text, ${client.ipPrefix}::text, ${client.userAgent}::text, ${factorSql}`;
}
