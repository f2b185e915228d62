/**
 * The narrow storage interface the 2FA flow talks to. `db/store.ts` implements
 * it on Postgres; every method is one SQL statement, so each instance of the
 * worker sees the same state and concurrent requests serialise in the database,
 * not in memory.
 */
import type { LockoutPolicy } from "./config";

export type Channel = "email" | "sms";

export interface UserRecord {
  id: string;
  email: string;
  phone: string | null;
}

export interface UserWithPassword extends UserRecord {
  passwordHash: string;
}

/** One counter to bump: at most `limit` hits per `windowSeconds` for `key`. */
export interface RateHit {
  key: string;
  limit: number;
  windowSeconds: number;
}

/** Whether any of the hits went over its limit, and when the last such window ends. */
export type RateVerdict = { limited: false } | { limited: true; retryAfterSeconds: number };

export interface LoginLookup {
  rate: RateVerdict;
  user:
    | (UserWithPassword & {
        locked: boolean;
        /** Seconds left of a growing wait after repeated wrong codes; 0 when none. */
        waitSeconds: number;
      })
    | null;
}

export interface NewChallenge {
  id: string;
  userId: string;
  channel: Channel;
  /** The address or number the code goes to, fixed at login so a resend goes to the same place. */
  destination: string;
  codeMac: string;
  ttlSeconds: number;
  maxAttempts: number;
  resendSeconds: number;
}

/** What a right code creates in the same statement: the first refresh token of a new family. */
export interface NewRefresh {
  familyId: string;
  tokenHash: string;
  ttlSeconds: number;
}

export type ConsumeResult =
  | { outcome: "verified"; userId: string }
  | { outcome: "wrong_code"; attemptsRemaining: number }
  | { outcome: "rate_limited"; retryAfterSeconds: number }
  /** Unknown, expired, already consumed, out of attempts or locked: indistinguishable on purpose. */
  | { outcome: "gone" };

export type RenewResult =
  | { outcome: "renewed"; channel: Channel; destination: string; expiresInSeconds: number; send: number }
  | { outcome: "too_soon"; retryAfterSeconds: number }
  | { outcome: "send_limit" }
  | { outcome: "rate_limited"; retryAfterSeconds: number }
  | { outcome: "gone" };

export interface RenewLimits {
  ttlSeconds: number;
  resendSeconds: number;
  maxSends: number;
  /** Counters for a code actually sent, by the challenge's user and number. */
  codesAccount: Omit<RateHit, "key">;
  smsNumber: Omit<RateHit, "key">;
}

export type RotateResult =
  | { outcome: "rotated"; userId: string; expiresInSeconds: number }
  /** A token of the family that is not the current one: the family is now revoked. */
  | { outcome: "reused" }
  | { outcome: "gone" };

export type DeliveryClaim =
  | { status: "claimed"; channel: Channel; destination: string }
  /** Another consumer holds a fresh claim on this send: try again after the lease. */
  | { status: "busy" }
  /** Nothing to send: delivered already, superseded by a resend, expired or used. */
  | { status: "done" };

export type DeliveryRecord = { status: "sent"; messageId: string | null } | { status: "failed"; error: string };

export interface CleanupCounts {
  challenges: number;
  rateLimits: number;
  refreshSessions: number;
}

export interface AuthStore {
  /** Bumps counters; used where no other statement can carry them (registration, before hashing). */
  hitRateLimits(hits: RateHit[]): Promise<RateVerdict>;
  /** Inserts a user; null when the e-mail is already taken. */
  createUser(user: UserWithPassword): Promise<UserRecord | null>;
  /** Bumps the login counters and reads the account, in one statement, before any hashing. */
  findUserForLogin(email: string, hits: RateHit[]): Promise<LoginLookup>;
  findUserById(id: string): Promise<UserRecord | null>;
  /** Bumps the code counters and, if none is over, inserts the challenge. */
  createChallenge(challenge: NewChallenge, hits: RateHit[]): Promise<RateVerdict>;
  /**
   * Checks a code MAC against a live challenge and, in the same atomic
   * statement: counts the client's verify, consumes the challenge or counts one
   * failed attempt, updates the account's failure streak, and on success
   * creates the refresh-token family.
   */
  consumeChallenge(
    id: string,
    codeMac: string,
    options: { ipHit: RateHit; refresh: NewRefresh; lockout: LockoutPolicy },
  ): Promise<ConsumeResult>;
  /** Replaces the code of a live challenge, if its cooldown and the code limits allow. */
  renewChallenge(id: string, codeMac: string, limits: RenewLimits): Promise<RenewResult>;
  /** Makes a challenge unusable (its code could not be delivered). */
  revokeChallenge(id: string): Promise<void>;
  /** Swaps the family's current refresh token for a new one (the family keeps its expiry), or revokes the family on reuse. */
  rotateRefresh(familyId: string, tokenHash: string, newHash: string): Promise<RotateResult>;
  /** Revokes the family (any of its tokens, current or rotated, may ask). */
  revokeRefresh(familyId: string): Promise<void>;
  /**
   * Claims one send of a challenge for delivery: only if the challenge is live,
   * that send is still the current one, it was not delivered yet, and no other
   * consumer holds a fresh claim.
   */
  claimDelivery(challengeId: string, send: number, leaseSeconds: number): Promise<DeliveryClaim>;
  recordDelivery(challengeId: string, send: number, record: DeliveryRecord): Promise<void>;
  /** Gives up on a send: marks it failed and revokes the challenge if that send is still current. */
  abandonDelivery(challengeId: string, send: number, error: string): Promise<void>;
  /** Deletes up to `batch` expired rows of each kind, in one statement. */
  deleteExpired(batch: number): Promise<CleanupCounts>;
  /** One cheap round trip, for `/health`. */
  ping(): Promise<void>;
}
