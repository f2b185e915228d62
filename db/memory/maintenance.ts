/** The health ping and the cron's cleanup in memory, as db/store/maintenance.ts. */
import type { CleanupCounts, CleanupStore } from "../../functions/core/cleanup";
import type { HealthStore } from "../../functions/core/health";
import { DAY, MemoryStoreError, type MemoryContext } from "./tables";

/** Deletes up to `batch` of the rows `expired` picks, in `order`; returns how many. */
function deleteSome<Row>(table: Map<string, Row>, batch: number, expired: (row: Row) => boolean, order?: (a: [string, Row], b: [string, Row]) => number): number {
  const picked = [...table].filter(([, row]) => expired(row));
  if (order) picked.sort(order);
  const doomed = picked.slice(0, batch);
  for (const [key] of doomed) table.delete(key);
  return doomed.length;
}

export function maintenanceStore(ctx: MemoryContext): CleanupStore & HealthStore {
  return {
    async deleteExpired(batch: number): Promise<CleanupCounts> {
      if (!Number.isInteger(batch) || batch < 0) throw new MemoryStoreError("LIMIT must be a whole number, not negative");
      const now = ctx.now();
      const { challenges, rateLimits, refreshSessions } = ctx.tables;
      // Challenges stay a day past expiry (for support), oldest first; ended windows by key;
      // families once expired, or a day after they were revoked.
      return {
        challenges: deleteSome(challenges, batch, (c) => c.expiresAt < now - DAY, ([, a], [, b]) => a.expiresAt - b.expiresAt),
        rateLimits: deleteSome(rateLimits, batch, (r) => r.expiresAt < now, ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        refreshSessions: deleteSome(refreshSessions, batch, (s) => s.expiresAt < now || (s.revokedAt !== null && s.revokedAt < now - DAY)),
      };
    },

    async ping(): Promise<void> {},
  };
}
