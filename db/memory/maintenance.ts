/** The health ping and the cron's cleanup in memory, as db/store/maintenance.ts. */
import type { CleanupCounts, CleanupStore } from "../../functions/core/cleanup";
import type { HealthStore } from "../../functions/core/health";
import { DAY, type MemoryContext } from "./tables";
import { limit } from "./values";

/** Deletes up to `batch` of the rows `expired` picks, in `order`; returns how many. */
function deleteSome<Key, Row>(table: Map<Key, Row>, batch: number, expired: (row: Row) => boolean, order?: (a: [Key, Row], b: [Key, Row]) => number): number {
  const picked = [...table].filter(([, row]) => expired(row));
  if (order) picked.sort(order);
  const doomed = picked.slice(0, batch);
  for (const [key] of doomed) table.delete(key);
  return doomed.length;
}

export function maintenanceStore(ctx: MemoryContext): CleanupStore & HealthStore {
  return {
    async deleteExpired(batch: number, eventsRetentionDays: number): Promise<CleanupCounts> {
      const n = limit(batch);
      const now = ctx.now();
      const { challenges, rateLimits, refreshSessions, authEvents } = ctx.tables;
      // Challenges stay a day past expiry (for support), oldest first; ended windows by key;
      // families once expired, or a day after they were revoked; events past their retention, oldest first.
      return {
        challenges: deleteSome(challenges, n, (c) => c.expiresAt < now - DAY, ([, a], [, b]) => a.expiresAt - b.expiresAt),
        rateLimits: deleteSome(rateLimits, n, (r) => r.expiresAt < now, ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        refreshSessions: deleteSome(refreshSessions, n, (s) => s.expiresAt < now || (s.revokedAt !== null && s.revokedAt < now - DAY)),
        events: deleteSome(authEvents, n, (e) => e.at < now - eventsRetentionDays * DAY, ([, a], [, b]) => a.at - b.at),
      };
    },

    async ping(): Promise<void> {},
  };
}
