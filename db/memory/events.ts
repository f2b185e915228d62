/** The security log in memory, as db/store/events.ts: the caller's own events, newest first, keyset-paginated by id. */
import type { AuthEvent, EventStore } from "../../functions/core/events";
import type { Caller } from "../../functions/core/types";
import { liveSession } from "./common";
import type { MemoryContext } from "./tables";
import { limit, timestamp, uuid } from "./values";

export function eventStore(ctx: MemoryContext): EventStore {
  return {
    async listEvents(caller: Caller, beforeId: number | null, max: number): Promise<AuthEvent[] | null> {
      const [userId, n] = [uuid(caller.userId), limit(max)];
      if (!liveSession(ctx, caller, ctx.now())) return null;
      return [...ctx.tables.authEvents.values()]
        .filter((e) => e.userId === userId && (beforeId === null || e.id < beforeId))
        .sort((a, b) => b.id - a.id)
        .slice(0, n)
        .map((e) => ({ id: e.id, type: e.type, at: timestamp(e.at), ipPrefix: e.ipPrefix, userAgent: e.userAgent, factor: e.factor }));
    },
  };
}
