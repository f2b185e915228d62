/**
 * The two stores the contract in test/store/ runs against, each behind the same
 * harness: the store itself, a store whose parallel calls really race, time
 * travel, and a look at state the interface does not return.
 *
 * - memory: db/memory with a fixed clock; `elapse` moves the clock.
 * - postgres: db/store through the production client and the bridge
 *   (postgres-harness.ts); `elapse` shifts this test's own rows into the past.
 *
 * A contract file writes `describe.each(stores)(..., (kind) => { const h = useHarness(kind); ... })`:
 * every test gets a fresh harness (its own clock, or its own rows to time-travel),
 * while the Postgres connection for sequential calls is opened once per block.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { openDatabase, type RequestDatabase } from "../../db/client";
import { memoryStore, memoryTables } from "../../db/memory/index";
import type { AuthStore } from "../../functions/core/store";
import { postgresHarness, testDatabase } from "./postgres-harness";

export { testDatabase } from "./postgres-harness";

export interface ChallengeState {
  attempts: number;
  sends: number;
  consumed: boolean;
  deliveryStatus: string;
  deliveredSend: number | null;
  deliveryAttempts: number;
  claimed: boolean;
  providerMessageId: string | null;
  deliveryError: string | null;
}

export interface UserState {
  failedOtpCount: number;
  locked: boolean;
}

export interface FamilyState {
  revoked: boolean;
  rotated: boolean;
}

export interface StoreHarness {
  store: AuthStore;
  /** The same store, but parallel calls race as separate requests would (memory: the store itself). */
  racing: AuthStore;
  /**
   * The same store on `n` connections, calls dealt round-robin: `n` sessions
   * racing, without paying a new connection per call (memory: the store itself).
   */
  lanes(n: number): AuthStore;
  /** Lets `seconds` pass for this test's rows. */
  elapse(seconds: number): Promise<void>;
  /**
   * What a count of seconds the store computes from a time it wrote earlier
   * (a wait, a Retry-After, a lifetime) must be: exactly `expected` on the
   * memory store's frozen clock; on Postgres, whose clock kept running while the
   * test ran, as many whole seconds less as really passed (one more with FLOOR).
   */
  seconds(expected: number, rounding?: "ceil" | "floor"): number;
  challenge(id: string): Promise<ChallengeState | null>;
  user(id: string): Promise<UserState | null>;
  /** Several challenges, or accounts, in one look, in the order asked. */
  challenges(ids: string[]): Promise<(ChallengeState | null)[]>;
  users(ids: string[]): Promise<(UserState | null)[]>;
  /** The count in `key`'s current row, or null when there is none. */
  counter(key: string): Promise<number | null>;
  family(id: string): Promise<FamilyState | null>;
  close(): Promise<void>;
}

export interface StoreKind {
  name: "memory" | "postgres";
  /** A harness for one test; for Postgres, on `main` for its sequential calls. */
  open(main?: RequestDatabase): StoreHarness;
  /** What a block of tests shares: the Postgres connection (none for memory). */
  connect(): RequestDatabase | undefined;
}

/** An arbitrary fixed instant: the memory store's clock starts here in every test. */
export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

function memoryHarness(): StoreHarness {
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
  return {
    store,
    racing: store,
    lanes: () => store,
    seconds: (expected) => expected,
    async elapse(seconds) {
      now += seconds * 1000;
    },
    challenge: async (id) => challengeState(id),
    user: async (id) => userState(id),
    challenges: async (ids) => ids.map(challengeState),
    users: async (ids) => ids.map(userState),
    async counter(key) {
      return tables.rateLimits.get(key)?.count ?? null;
    },
    async family(id) {
      const f = tables.refreshSessions.get(id);
      return f ? { revoked: f.revokedAt !== null, rotated: f.rotatedAt !== null } : null;
    },
    async close() {},
  };
}

export const stores: StoreKind[] = [
  { name: "memory", open: memoryHarness, connect: () => undefined },
  { name: "postgres", open: postgresHarness, connect: () => openDatabase(testDatabase()) },
];

/**
 * Registers the hooks of one store's block of tests and returns the harness of
 * the test that is running: fresh for each test, on a connection shared by the block.
 */
export function useHarness(kind: StoreKind): StoreHarness {
  let connection: RequestDatabase | undefined;
  let current: StoreHarness | undefined;
  beforeAll(() => void (connection = kind.connect()));
  afterAll(() => connection?.close());
  beforeEach(() => void (current = kind.open(connection)));
  afterEach(() => current?.close());
  const now = (): StoreHarness => {
    if (!current) throw new Error("a store harness is only available inside a test");
    return current;
  };
  return {
    get store() {
      return now().store;
    },
    get racing() {
      return now().racing;
    },
    lanes: (n) => now().lanes(n),
    elapse: (seconds) => now().elapse(seconds),
    seconds: (expected, rounding) => now().seconds(expected, rounding),
    challenge: (id) => now().challenge(id),
    user: (id) => now().user(id),
    challenges: (ids) => now().challenges(ids),
    users: (ids) => now().users(ids),
    counter: (key) => now().counter(key),
    family: (id) => now().family(id),
    close: () => now().close(),
  };
}
