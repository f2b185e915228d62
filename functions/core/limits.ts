/**
 * Rate limits as the core sees them: named counters with a limit per fixed
 * window. The counting itself is one upsert per key in the store (shared by
 * every instance); a limit is usually folded into the statement a request makes
 * anyway, so it costs no round trip.
 */
import type { RateLimit } from "./config";
import { AuthError } from "./errors";

/** One counter to bump: at most `limit` hits per `windowSeconds` for `key`. */
export interface RateHit {
  key: string;
  limit: number;
  windowSeconds: number;
}

/** Whether any of the hits went over its limit, and when the last such window ends. */
export type RateVerdict = { limited: false } | { limited: true; retryAfterSeconds: number };

export interface LimitStore {
  /** Bumps counters; used where no other statement can carry them (registration, before hashing). */
  hitRateLimits(hits: RateHit[]): Promise<RateVerdict>;
}

/** The counter `name` for `subject` (an account, a number, a client address). */
export function hit(name: string, subject: string, limit: RateLimit): RateHit {
  return { key: `${name}:${subject}`, limit: limit.limit, windowSeconds: limit.windowSeconds };
}

/** `429 rate_limited` with `Retry-After`. */
export function rateLimited(retryAfterSeconds: number): AuthError {
  return new AuthError("rate_limited", { retry_after: retryAfterSeconds }, { headers: { "retry-after": String(retryAfterSeconds) } });
}

export function throwIfLimited(verdict: RateVerdict): void {
  if (verdict.limited) throw rateLimited(verdict.retryAfterSeconds);
}
