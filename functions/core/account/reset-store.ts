/** What password reset and phone change need from storage. Each method is one statement. */
import type { RateHit } from "../limits";
import type { Caller, ClientMeta } from "../types";

export interface ResetStart {
  /** The reset id the client gets whether or not the account exists. */
  id: string;
  email: string;
  codeMac: string;
  ttlSeconds: number;
  maxAttempts: number;
  /** Per-IP: past it the caller may be told (429), since it says nothing about the address. */
  ipHit: RateHit;
  /** Per-account and the cooldown: past them nothing is sent, and the answer stays the same 202. */
  accountHits: RateHit[];
}

export type ResetStarted =
  | { outcome: "ip_limited"; retryAfterSeconds: number }
  /** A code was stored for an existing account: send it. */
  | { outcome: "started"; locale: string }
  /** Unknown address, or a per-account limit: nothing to send. Indistinguishable to the caller. */
  | { outcome: "silent" };

export type ResetCheck =
  | { outcome: "ok" }
  | { outcome: "wrong_code"; attemptsRemaining: number }
  | { outcome: "rate_limited"; retryAfterSeconds: number }
  | { outcome: "gone" };

export type PhoneChangeStarted = { outcome: "started"; locale: string } | { outcome: "rate_limited"; retryAfterSeconds: number } | { outcome: "dead_caller" };

export type PhoneChangeResult =
  | { outcome: "confirmed"; phone: string }
  | { outcome: "wrong_code"; attemptsRemaining: number }
  | { outcome: "nothing_pending" }
  | { outcome: "dead_caller" };

export interface RecoveryStore {
  /** Counts the forgot request and, for an existing account within its limits, stores a reset challenge. */
  startReset(reset: ResetStart): Promise<ResetStarted>;
  /**
   * Checks a reset code without using it (so the new password is hashed only
   * after a right code): counts the client's attempt and, on a wrong code, the
   * reset's. Never touches the account's sign-in streak.
   */
  checkResetCode(id: string, codeMac: string, ipHit: RateHit): Promise<ResetCheck>;
  /**
   * Uses the reset code, if it is still right and unused, and in the same
   * statement sets the new password, marks the e-mail verified, revokes every
   * session and logs `password_reset`. The sign-in streak, wait and lock stay.
   * Null when the code was used (or died) in the meantime.
   */
  completeReset(id: string, codeMac: string, passwordHash: string, client: ClientMeta): Promise<{ userId: string } | null>;
  /** Counts a code for the account and the new number, and stores the phone-change challenge (replacing an older one). */
  startPhoneChange(caller: Caller, change: { id: string; phone: string; codeMac: string; ttlSeconds: number; maxAttempts: number; hits: RateHit[] }): Promise<PhoneChangeStarted>;
  /** Checks the code of the caller's pending phone change; on a right one the number becomes the account's, verified. */
  confirmPhoneChange(caller: Caller, codeMac: string, client: ClientMeta): Promise<PhoneChangeResult>;
}
