/** Periodic cleanup: expired challenges, rate-limit windows and refresh-token families. */

export interface CleanupCounts {
  challenges: number;
  rateLimits: number;
  refreshSessions: number;
}

export interface CleanupStore {
  /** Deletes up to `batch` expired rows of each kind, in one statement. */
  deleteExpired(batch: number): Promise<CleanupCounts>;
}

export const CLEANUP_BATCH = 1_000;
/** A cron run stops after this many batches and leaves the rest to the next run. */
export const CLEANUP_MAX_BATCHES = 20;

/** Deletes in bounded batches until a batch comes back short or the cap is reached. */
export async function cleanupExpired(store: CleanupStore, batch = CLEANUP_BATCH, maxBatches = CLEANUP_MAX_BATCHES): Promise<CleanupCounts & { batches: number }> {
  const total = { challenges: 0, rateLimits: 0, refreshSessions: 0, batches: 0 };
  while (total.batches < maxBatches) {
    const counts = await store.deleteExpired(batch);
    total.batches++;
    total.challenges += counts.challenges;
    total.rateLimits += counts.rateLimits;
    total.refreshSessions += counts.refreshSessions;
    if (counts.challenges < batch && counts.rateLimits < batch && counts.refreshSessions < batch) break;
  }
  return total;
}
