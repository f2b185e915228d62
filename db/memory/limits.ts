/**
 * Rate-limit counters in memory, with the semantics of db/store/limits.ts:
 * fixed windows, one counter per key, every hit counted (even past the limit), a
 * window that has ended restarts at 1, and the verdict names the latest end
 * among the windows that are over.
 */
import type { LimitStore, RateHit, RateVerdict } from "../../functions/core/limits";
import { MemoryStoreError, SECOND, secondsUntil, text, type MemoryContext, type RateLimitRow } from "./tables";

export interface CountedHits {
  verdict: RateVerdict;
  /** Writes the counters. Separate, so a statement that fails after counting can leave them as they were. */
  commit(): void;
}

/** The counters after these hits and the verdict, without writing them yet. */
export function countHits(ctx: MemoryContext, hits: RateHit[]): CountedHits {
  // The SQL builds `VALUES (...)` from the hits: with none, the statement does not parse.
  if (hits.length === 0) throw new MemoryStoreError("syntax error: no counters to bump");
  const now = ctx.now();
  // A key named twice is bumped once, with the last hit's limit and window.
  const unique = [...new Map(hits.map((h) => [text(h.key), h])).entries()];
  const rows: RateLimitRow[] = [];
  let latestOver: number | null = null;
  for (const [key, hit] of unique) {
    const row = ctx.tables.rateLimits.get(key);
    const next =
      row && row.expiresAt > now
        ? { ...row, count: row.count + 1 }
        : { key, count: 1, windowStart: now, expiresAt: now + hit.windowSeconds * SECOND };
    rows.push(next);
    if (next.count > hit.limit) latestOver = Math.max(latestOver ?? next.expiresAt, next.expiresAt);
  }
  return {
    verdict: latestOver === null ? { limited: false } : { limited: true, retryAfterSeconds: Math.max(1, secondsUntil(latestOver, now)) },
    commit: () => rows.forEach((row) => ctx.tables.rateLimits.set(row.key, row)),
  };
}

/** Counts and writes in one step. */
export function bumpHits(ctx: MemoryContext, hits: RateHit[]): RateVerdict {
  const counted = countHits(ctx, hits);
  counted.commit();
  return counted.verdict;
}

export function limitStore(ctx: MemoryContext): LimitStore {
  return {
    async hitRateLimits(hits: RateHit[]): Promise<RateVerdict> {
      return bumpHits(ctx, hits);
    },
  };
}
