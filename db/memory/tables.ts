/**
 * The in-memory tables: one Map per Postgres table, keyed by its primary key,
 * with the same columns (times in milliseconds, null where SQL has NULL).
 * values.ts reproduces what the column types do to values on the way in, so the
 * memory store accepts and refuses what Postgres does.
 */
import type { ChallengePurpose } from "../../functions/core/delivery/store";
import type { Clock, EventType, FactorType } from "../../functions/core/types";

export interface UserRow {
  id: string;
  email: string;
  phone: string | null;
  passwordHash: string;
  failedOtpCount: number;
  otpBlockedUntil: number | null;
  lockedAt: number | null;
  emailVerifiedAt: number | null;
  phoneVerifiedAt: number | null;
  locale: string;
  createdAt: number;
}

export interface ChallengeRow {
  id: string;
  userId: string;
  purpose: ChallengePurpose;
  /** The factor (the column kept its first name). */
  channel: FactorType;
  destination: string | null;
  codeMac: string;
  /** TOTP: the MAC of each step's code from `firstStep` on. */
  stepMacs: string[] | null;
  firstStep: number | null;
  expiresAt: number;
  attempts: number;
  maxAttempts: number;
  sends: number;
  resendAfter: number;
  consumedAt: number | null;
  deliveryStatus: "queued" | "sending" | "sent" | "failed";
  deliveredSend: number | null;
  deliveryAttempts: number;
  deliveryClaimedAt: number | null;
  providerMessageId: string | null;
  deliveryError: string | null;
  createdAt: number;
}

export interface RateLimitRow {
  key: string;
  count: number;
  windowStart: number;
  expiresAt: number;
}

export interface RefreshRow {
  id: string;
  sid: string | null;
  userId: string;
  tokenHash: string;
  /** The token the current one replaced, for a retry within the grace; null before the first rotation. */
  previousTokenHash: string | null;
  expiresAt: number;
  revokedAt: number | null;
  rotatedAt: number | null;
  userAgent: string | null;
  ipPrefix: string | null;
  lastUsedAt: number | null;
  authTime: number | null;
  factor: FactorType | null;
  createdAt: number;
}

/** A row of `factors`: today only the authenticator app. */
export interface TotpRow {
  id: string;
  userId: string;
  type: "totp";
  status: "pending" | "active";
  secretSealed: string;
  keyId: string;
  lastStep: number | null;
  attempts: number;
  createdAt: number;
  confirmedAt: number | null;
  lastUsedAt: number | null;
}

export interface RecoveryCodeRow {
  userId: string;
  codeMac: string;
  keyId: string;
  usedAt: number | null;
  createdAt: number;
}

export interface EventRow {
  id: number;
  userId: string;
  type: EventType;
  at: number;
  ipPrefix: string | null;
  userAgent: string | null;
  factor: string | null;
}

export interface MemoryTables {
  users: Map<string, UserRow>;
  challenges: Map<string, ChallengeRow>;
  rateLimits: Map<string, RateLimitRow>;
  refreshSessions: Map<string, RefreshRow>;
  factors: Map<string, TotpRow>;
  /** Keyed by `recoveryKey(userId, codeMac)`: the table's primary key is the pair. */
  recoveryCodes: Map<string, RecoveryCodeRow>;
  authEvents: Map<number, EventRow>;
  /** The `auth_events.id` bigserial: the last id handed out. */
  lastEventId: number;
}

export function memoryTables(): MemoryTables {
  return {
    users: new Map(),
    challenges: new Map(),
    rateLimits: new Map(),
    refreshSessions: new Map(),
    factors: new Map(),
    recoveryCodes: new Map(),
    authEvents: new Map(),
    lastEventId: 0,
  };
}

export const recoveryKey = (userId: string, codeMac: string): string => `${userId}/${codeMac}`;

/** What every feature's store works on: the tables and the one clock that decides expiry and windows. */
export interface MemoryContext {
  tables: MemoryTables;
  now: Clock;
}

export const SECOND = 1_000;
export const DAY = 86_400 * SECOND;

/** An error as Postgres would raise it: the statement fails and changes nothing. */
export class MemoryStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MemoryStoreError";
  }
}
