/**
 * The two stores the contract in test/store/ runs against, each behind the same
 * harness: the store itself, a store whose parallel calls really race, time
 * travel, and a look at state the interface does not return.
 *
 * - memory (memory-harness.ts): db/memory with a fixed clock; `elapse` moves the clock.
 * - postgres (postgres-harness.ts): db/store through the production client and
 *   the local HTTP SQL endpoint; `elapse` shifts this test's own rows into the past.
 *
 * A contract file writes `describe.each(stores)(..., (kind) => { const h = useHarness(kind); ... })`:
 * every test gets a fresh harness (its own clock, or its own rows to time-travel),
 * while the Postgres client for sequential calls is made once per block.
 */
import { afterEach, beforeAll, beforeEach } from "vitest";
import { openDatabase, type RequestDatabase } from "../../db/client";
import type { AuthStore } from "../../functions/core/store";
import type { EventType } from "../../functions/core/types";
import { memoryHarness } from "./memory-harness";
import { postgresHarness, testDatabase } from "./postgres-harness";

export { testDatabase } from "./postgres-harness";
export { T0 } from "./memory-harness";
export { JSON_TIMESTAMP } from "./instants";

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

/** The rest of an account's row, as far as the contract looks. */
export interface AccountState {
  passwordHash: string;
  phone: string | null;
  locale: string;
  emailVerified: boolean;
  phoneVerified: boolean;
  /** A growing wait is running. */
  waiting: boolean;
}

export interface FamilyState {
  revoked: boolean;
  rotated: boolean;
}

/** The account's authenticator row; `lastStep` in the steps the test computes (see postgres-harness.ts). */
export interface TotpState {
  status: "pending" | "active";
  attempts: number;
  lastStep: number | null;
}

/** One security-log row, in the order written. */
export interface EventState {
  type: EventType;
  factor: string | null;
  ipPrefix: string | null;
  userAgent: string | null;
}

export interface StoreHarness {
  store: AuthStore;
  /** The same store, but parallel calls race as separate requests would (memory: the store itself). */
  racing: AuthStore;
  /**
   * The same store on `n` clients, calls dealt round-robin: `n` callers racing,
   * without a new client per call (memory: the store itself).
   */
  lanes(n: number): AuthStore;
  /**
   * Runs `calls` while another transaction holds counter `key`'s row locked,
   * and lets go once `waiting` sessions wait on a lock: so every racing call has
   * begun (taken its snapshot, or queued on a lock before it) before any of
   * them commits, the widest race Postgres allows. Memory: just runs them (each
   * call is atomic). The embedded Postgres runs one statement at a time, so
   * there is no race to widen: it just runs them too.
   */
  contended<T>(key: string, waiting: number, calls: () => Promise<T>): Promise<T>;
  /** Lets `seconds` pass for this test's rows (TOTP steps included: then in whole 30 s steps). */
  elapse(seconds: number): Promise<void>;
  /**
   * What a count of seconds the store computes from a time it wrote earlier
   * (a wait, a Retry-After, a lifetime) must be: exactly `expected` on the
   * memory store's frozen clock; on Postgres, whose clock kept running while the
   * test ran, as many whole seconds less as really passed (one more with FLOOR).
   */
  seconds(expected: number, rounding?: "ceil" | "floor"): number;
  /** The store's clock now, `offset` seconds on, in whole epoch seconds (exact on memory; on Postgres its running clock). */
  epoch(offset?: number): number;
  /** The same instant as a timestamp the stores write into JSON: `2026-11-01T12:00:00.25+00:00`, UTC, no trailing zeros. */
  timestamp(offset?: number): string;
  /**
   * Runs `observe` within one 30 s step of the store's clock and returns what it
   * saw: on memory the clock only moves when told; on Postgres, if the
   * database's clock crossed a step boundary meanwhile, `observe` runs again
   * (on new rows it makes itself), so TOTP answers are judged against one known step.
   */
  withinOneStep<T>(observe: () => Promise<T>): Promise<T>;
  challenge(id: string): Promise<ChallengeState | null>;
  user(id: string): Promise<UserState | null>;
  account(id: string): Promise<AccountState | null>;
  /** Several challenges, or accounts, in one look, in the order asked. */
  challenges(ids: string[]): Promise<(ChallengeState | null)[]>;
  users(ids: string[]): Promise<(UserState | null)[]>;
  /** The count in `key`'s current row, or null when there is none. */
  counter(key: string): Promise<number | null>;
  family(id: string): Promise<FamilyState | null>;
  totp(userId: string): Promise<TotpState | null>;
  recoveryCodes(userId: string): Promise<{ unused: number; used: number }>;
  events(userId: string): Promise<EventState[]>;
  close(): Promise<void>;
}

export interface StoreKind {
  name: "memory" | "postgres";
  /** A harness for one test; for Postgres, on the client `main` for its sequential calls. */
  open(main?: RequestDatabase): StoreHarness;
  /** What a block of tests shares: the Postgres client (none for memory). */
  connect(): RequestDatabase | undefined;
}

export const stores: StoreKind[] = [
  { name: "memory", open: memoryHarness, connect: () => undefined },
  { name: "postgres", open: postgresHarness, connect: () => openDatabase(testDatabase()) },
];

/**
 * Registers the hooks of one store's block of tests and returns the harness of
 * the test that is running: fresh for each test, on a client shared by the block.
 */
export function useHarness(kind: StoreKind): StoreHarness {
  let client: RequestDatabase | undefined;
  let current: StoreHarness | undefined;
  beforeAll(() => void (client = kind.connect()));
  beforeEach(() => void (current = kind.open(client)));
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
    contended: (key, waiting, calls) => now().contended(key, waiting, calls),
    elapse: (seconds) => now().elapse(seconds),
    seconds: (expected, rounding) => now().seconds(expected, rounding),
    epoch: (offset) => now().epoch(offset),
    timestamp: (offset) => now().timestamp(offset),
    withinOneStep: (observe) => now().withinOneStep(observe),
    challenge: (id) => now().challenge(id),
    user: (id) => now().user(id),
    account: (id) => now().account(id),
    challenges: (ids) => now().challenges(ids),
    users: (ids) => now().users(ids),
    counter: (key) => now().counter(key),
    family: (id) => now().family(id),
    totp: (userId) => now().totp(userId),
    recoveryCodes: (userId) => now().recoveryCodes(userId),
    events: (userId) => now().events(userId),
    close: () => now().close(),
  };
}
