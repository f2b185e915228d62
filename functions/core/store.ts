/**
 * The narrow storage interface the 2FA flow talks to. `db/store.ts` implements
 * it on Postgres; every method is one SQL statement, so each instance of the
 * worker sees the same state and concurrent requests serialise in the database,
 * not in memory.
 */

export type Channel = "email" | "sms";

export interface UserRecord {
  id: string;
  email: string;
  phone: string | null;
}

export interface UserWithPassword extends UserRecord {
  passwordHash: string;
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

export type ConsumeResult =
  | { outcome: "verified"; userId: string }
  | { outcome: "wrong_code"; attemptsRemaining: number }
  /** Unknown, expired, already consumed or out of attempts: indistinguishable on purpose. */
  | { outcome: "gone" };

export type RenewResult =
  | { outcome: "renewed"; channel: Channel; destination: string; expiresInSeconds: number }
  | { outcome: "too_soon"; retryAfterSeconds: number }
  | { outcome: "send_limit" }
  | { outcome: "gone" };

export interface RenewLimits {
  ttlSeconds: number;
  resendSeconds: number;
  maxSends: number;
}

export interface AuthStore {
  /** Inserts a user; null when the e-mail is already taken. */
  createUser(user: UserWithPassword): Promise<UserRecord | null>;
  findUserByEmail(email: string): Promise<UserWithPassword | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  createChallenge(challenge: NewChallenge): Promise<void>;
  /**
   * Checks a code MAC against a live challenge and, in the same atomic
   * statement, either consumes the challenge or counts one failed attempt.
   */
  consumeChallenge(id: string, codeMac: string): Promise<ConsumeResult>;
  /** Replaces the code of a live challenge, if its resend cooldown has passed. */
  renewChallenge(id: string, codeMac: string, limits: RenewLimits): Promise<RenewResult>;
  /** Makes a challenge unusable (its code could not be delivered). */
  revokeChallenge(id: string): Promise<void>;
  /** One cheap round trip, for `/health`. */
  ping(): Promise<void>;
}
