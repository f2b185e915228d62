/**
 * The memory side of the store harness (stores.ts): db/memory on a clock that
 * stands still unless a test lets time pass, with a look straight into its tables.
 */
import { memoryStore, memoryTables } from "../../db/memory/index";
import { timestampWithin } from "./instants";
import type { ChallengeState, StoreHarness, UserState } from "./stores";

/** An arbitrary fixed instant, on a 30 s step boundary: the memory store's clock starts here in every test. */
export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

export function memoryHarness(): StoreHarness {
  let now = T0;
  const tables = memoryTables();
  const store = memoryStore({ now: () => now, tables });
  const challengeState = (id: string): ChallengeState | null => {
    const c = tables.challenges.get(id);
    if (!c) return null;
    const { attempts, sends, deliveryStatus, deliveredSend, deliveryAttempts, providerMessageId, deliveryError } = c;
    return { attempts, sends, consumed: c.consumedAt !== null, deliveryStatus, deliveredSend, deliveryAttempts, claimed: c.deliveryClaimedAt !== null, providerMessageId, deliveryError };
  };
  const userState = (id: string): UserState | null => {
    const u = tables.users.get(id);
    return u ? { failedOtpCount: u.failedOtpCount, locked: u.lockedAt !== null } : null;
  };
  const mine = <T extends { userId: string }>(rows: Iterable<T>, userId: string) => [...rows].filter((row) => row.userId === userId);
  return {
    store,
    racing: store,
    lanes: () => store,
    contended: (_key, _waiting, calls) => calls(),
    seconds: (expected) => expected,
    epoch: (offset = 0) => Math.floor(now / 1000) + offset,
    timestamp: (offset = 0) => timestampWithin(now + offset * 1000, now + offset * 1000),
    withinOneStep: (observe) => observe(),
    async elapse(seconds) {
      now += seconds * 1000;
    },
    challenge: async (id) => challengeState(id),
    user: async (id) => userState(id),
    async account(id) {
      const u = tables.users.get(id);
      if (!u) return null;
      const { passwordHash, phone, locale } = u;
      return { passwordHash, phone, locale, emailVerified: u.emailVerifiedAt !== null, phoneVerified: u.phoneVerifiedAt !== null, waiting: u.otpBlockedUntil !== null && u.otpBlockedUntil > now };
    },
    challenges: async (ids) => ids.map(challengeState),
    users: async (ids) => ids.map(userState),
    async counter(key) {
      return tables.rateLimits.get(key)?.count ?? null;
    },
    async family(id) {
      const f = tables.refreshSessions.get(id);
      return f ? { revoked: f.revokedAt !== null, rotated: f.rotatedAt !== null } : null;
    },
    async totp(userId) {
      const [f] = mine(tables.factors.values(), userId);
      return f ? { status: f.status, attempts: f.attempts, lastStep: f.lastStep } : null;
    },
    async recoveryCodes(userId) {
      const codes = mine(tables.recoveryCodes.values(), userId);
      return { unused: codes.filter((c) => c.usedAt === null).length, used: codes.filter((c) => c.usedAt !== null).length };
    },
    async events(userId) {
      return mine(tables.authEvents.values(), userId)
        .sort((a, b) => a.id - b.id)
        .map(({ type, factor, ipPrefix, userAgent }) => ({ type, factor, ipPrefix, userAgent }));
    },
    async close() {},
  };
}
