/**
 * Rate-limit counters and the sign-in streak in memory, with the semantics of
 * db/store/limits.ts: fixed windows, one counter per key, every hit counted (even
 * past the limit), a window that has ended restarts at 1, and the verdict names
 * the latest end among the windows that are over.
 */
import type { LockoutPolicy } from "../../functions/core/config";
import type { LimitStore, RateHit, RateVerdict } from "../../functions/core/limits";
import { SECOND, type MemoryContext, type RateLimitRow, type UserRow } from "./tables";
import { secondsUntil, text } from "./values";

export interface CountedHits {
  verdict: RateVerdict;
  /** The counters of this call after it, by key. */
  rows: Map<string, RateLimitRow>;
  /** Writes the counters. Separate, so a statement that fails after counting can leave them as they were. */
  commit(): void;
}

/** The counters after these hits and the verdict, without writing them yet. */
export function countHits(ctx: MemoryContext, hits: RateHit[]): CountedHits {
  const now = ctx.now();
  // A key named twice is bumped once, with the last hit's limit and window.
  const unique = [...new Map(hits.map((h) => [text(h.key), h])).entries()];
  const rows = new Map<string, RateLimitRow>();
  let latestOver: number | null = null;
  for (const [key, hit] of unique) {
    const row = ctx.tables.rateLimits.get(key);
    const next =
      row && row.expiresAt > now
        ? { ...row, count: row.count + 1 }
        : { key, count: 1, windowStart: now, expiresAt: now + hit.windowSeconds * SECOND };
    rows.set(key, next);
    if (next.count > hit.limit) latestOver = Math.max(latestOver ?? next.expiresAt, next.expiresAt);
  }
  return {
    verdict: latestOver === null ? { limited: false } : { limited: true, retryAfterSeconds: Math.max(1, secondsUntil(latestOver, now)) },
    rows,
    commit: () => rows.forEach((row) => ctx.tables.rateLimits.set(row.key, row)),
  };
}

/** Counts and writes in one step. */
export function bumpHits(ctx: MemoryContext, hits: RateHit[]): RateVerdict {
  const counted = countHits(ctx, hits);
  counted.commit();
  return counted.verdict;
}

/** Doublings past this change nothing, as MAX_DOUBLINGS in db/store/limits.ts (2^62 times any wait is past any cap). */
const MAX_DOUBLINGS = 62;

/**
 * The account's streak of wrong second factors after one more attempt, as
 * `streakAfter` in db/store/limits.ts: a right code clears it; a wrong one
 * counts, sets a wait that doubles every `waitAfter` failures (at most
 * `maxWaitSeconds`, however long the streak), and locks at `lockAfter`.
 */
export function countStreak(user: UserRow, verified: boolean, lockout: LockoutPolicy, now: number): void {
  if (verified) {
    user.failedOtpCount = 0;
    user.otpBlockedUntil = null;
    return;
  }
  const failed = user.failedOtpCount + 1;
  user.failedOtpCount = failed;
  if (failed >= lockout.waitAfter) {
    const doublings = Math.min(MAX_DOUBLINGS, Math.floor((failed - lockout.waitAfter) / lockout.waitAfter));
    user.otpBlockedUntil = now + Math.min(lockout.maxWaitSeconds, lockout.baseWaitSeconds * 2 ** doublings) * SECOND;
  }
  if (failed >= lockout.lockAfter) user.lockedAt = now;
}

export function limitStore(ctx: MemoryContext): LimitStore {
  return {
    async hitRateLimits(hits: RateHit[]): Promise<RateVerdict> {
      return bumpHits(ctx, hits);
    },
  };
}
