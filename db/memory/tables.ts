/**
 * The in-memory tables: one Map per Postgres table, keyed by its primary key,
 * with the same columns (times in milliseconds, null where SQL has NULL). The
 * helpers below reproduce what the column types do to values on the way in, so
 * the memory store accepts and refuses what Postgres does.
 */
import type { Channel, Clock } from "../../functions/core/types";

export interface UserRow {
  id: string;
  email: string;
  phone: string | null;
  passwordHash: string;
  failedOtpCount: number;
  otpBlockedUntil: number | null;
  lockedAt: number | null;
  createdAt: number;
}

export interface ChallengeRow {
  id: string;
  userId: string;
  channel: Channel;
  destination: string;
  codeMac: string;
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
  userId: string;
  tokenHash: string;
  expiresAt: number;
  revokedAt: number | null;
  rotatedAt: number | null;
  createdAt: number;
}

export interface MemoryTables {
  users: Map<string, UserRow>;
  challenges: Map<string, ChallengeRow>;
  rateLimits: Map<string, RateLimitRow>;
  refreshSessions: Map<string, RefreshRow>;
}

export function memoryTables(): MemoryTables {
  return { users: new Map(), challenges: new Map(), rateLimits: new Map(), refreshSessions: new Map() };
}

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

/**
 * A value for a `uuid` column, as Postgres reads one: any case, hyphens after any
 * group of four digits, optionally in braces; stored and compared in canonical
 * form. Anything else fails the statement.
 */
export function uuid(value: string): string {
  const inner = /^\{.*\}$/.test(value) ? value.slice(1, -1) : value;
  if (!/^[0-9a-f]{4}(?:-?[0-9a-f]{4}){7}$/i.test(inner)) throw new MemoryStoreError(`invalid input syntax for type uuid: "${value}"`);
  const hex = inner.replace(/-/g, "").toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A value for a `text` column: the driver sends UTF-8 (a lone surrogate becomes
 * U+FFFD), and Postgres refuses the NUL character.
 */
export function text(value: string): string {
  if (value.includes("\u0000")) throw new MemoryStoreError('invalid byte sequence for encoding "UTF8": 0x00');
  return decoder.decode(encoder.encode(value));
}

/** Whole seconds until `at`, rounded up: `CEIL(EXTRACT(EPOCH FROM at - now()))`. */
export function secondsUntil(at: number, now: number): number {
  return Math.ceil((at - now) / SECOND);
}
