/** Periodic cleanup: expired challenges, rate-limit windows and refresh-token families. */

export interface CleanupCounts {
  challenges: number;
  rateLimits: number;
  refreshSessions: number;
  events: number;
}

export interface CleanupStore {
  /** Deletes up to `batch` expired rows of each kind, in one statement. */
  deleteExpired(batch: number, eventsRetentionDays: number): Promise<CleanupCounts>;
}

export const CLEANUP_BATCH = 1_000;
/** A cron run stops after this many batches and leaves the rest to the next run. */
export const CLEANUP_MAX_BATCHES = 20;

/** Deletes in bounded batches until every kind comes back short or the cap is reached. */
export async function cleanupExpired(
  store: CleanupStore,
  eventsRetentionDays: number,
  batch = CLEANUP_BATCH,
  maxBatches = CLEANUP_MAX_BATCHES,
): Promise<CleanupCounts & { batches: number }> {
  const total = { challenges: 0, rateLimits: 0, refreshSessions: 0, events: 0, batches: 0 };
  while (total.batches < maxBatches) {
    const counts = await store.deleteExpired(batch, eventsRetentionDays);
    total.batches++;
    total.challenges += counts.challenges;
    total.rateLimits += counts.rateLimits;
    total.refreshSessions += counts.refreshSessions;
    total.events += counts.events;
    if (Object.values(counts).every((n) => n < batch)) break;
  }
  return total;
}
