/** What the feature stores share, as db/store/common.ts: the live-session check of bearer routes, and security-log rows. */
import type { Caller, ClientMeta, EventType } from "../../functions/core/types";
import type { MemoryContext } from "./tables";
import { text, uuid } from "./values";

/** True while the caller's session (its token's `sid`) is live: not revoked, not expired. */
export function liveSession(ctx: MemoryContext, caller: Caller, now: number): boolean {
  const userId = uuid(caller.userId);
  if (caller.sid === null) return false;
  const sid = uuid(caller.sid);
  for (const s of ctx.tables.refreshSessions.values()) {
    if (s.sid === sid && s.userId === userId && s.revokedAt === null && s.expiresAt > now) return true;
  }
  return false;
}

/** The client's metadata as text columns take it; read before a method writes anything, so a refusal changes nothing. */
export function clientMeta(client: ClientMeta): ClientMeta {
  return { ipPrefix: text(client.ipPrefix), userAgent: text(client.userAgent) };
}

/** Appends one security-log row (`client` already through clientMeta), with the next id of the table's sequence. */
export function logEvent(ctx: MemoryContext, userId: string, type: EventType, client: ClientMeta, factor: string | null = null): void {
  const id = ++ctx.tables.lastEventId;
  ctx.tables.authEvents.set(id, { id, userId, type, at: ctx.now(), ipPrefix: client.ipPrefix, userAgent: client.userAgent, factor });
}

/** Deletes a user and, as ON DELETE CASCADE does, every row that points at it. */
export function deleteUser(ctx: MemoryContext, userId: string): void {
  const { tables } = ctx;
  tables.users.delete(userId);
  for (const table of [tables.challenges, tables.refreshSessions, tables.factors, tables.recoveryCodes, tables.authEvents] as Map<unknown, { userId: string }>[]) {
    for (const [key, row] of table) if (row.userId === userId) table.delete(key);
  }
}
