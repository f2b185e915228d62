/**
 * The account's security log (`GET /auth/events`): its own events, newest
 * first, a page at a time. The cursor is opaque to clients; it carries the last
 * event id seen.
 */
import type { Deps } from "./deps";
import { fromBase64Url, toBase64Url, utf8 } from "./crypto";
import { AuthError } from "./errors";
import type { Caller, ClientMeta, EventType } from "./types";

export interface AuthEvent extends ClientMeta {
  id: number;
  type: EventType;
  at: string;
  factor: string | null;
}

export interface EventStore {
  /** Up to `limit` of the caller's events older than `beforeId` (all when null), newest first; null when the caller's session is dead. */
  listEvents(caller: Caller, beforeId: number | null, limit: number): Promise<AuthEvent[] | null>;
}

export const EVENTS_PAGE_DEFAULT = 20;
export const EVENTS_PAGE_MAX = 100;

export function encodeCursor(id: number): string {
  return toBase64Url(utf8(`e1:${id}`));
}

/** The event id a cursor carries, or null for anything that is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  try {
    const match = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(fromBase64Url(cursor)).match(/^e1:(\d{1,15})$/);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export async function listEvents(deps: Deps, caller: Caller, input: { before?: string; limit: number }) {
  const beforeId = input.before === undefined ? null : decodeCursor(input.before);
  if (input.before !== undefined && beforeId === null) {
    throw new AuthError("invalid_request", { details: [{ field: "before", message: "Not a cursor from this API." }] });
  }
  // One more than asked, to know whether there is a next page.
  const rows = await deps.store.listEvents(caller, beforeId, input.limit + 1);
  if (!rows) throw new AuthError("invalid_token");
  const page = rows.slice(0, input.limit);
  return {
    events: page.map((e) => ({ id: String(e.id), type: e.type, at: e.at, ip_prefix: e.ipPrefix, user_agent: e.userAgent, factor: e.factor })),
    next_cursor: rows.length > input.limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
}
