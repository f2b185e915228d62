/** What sign-in (login, the second factor, resend) needs from storage. Each method is one statement. */
import type { UserWithPassword } from "../account/store";
import type { LockoutPolicy } from "../config";
import type { RateHit, RateVerdict } from "../limits";
import type { NewRefresh } from "../session/store";
import type { Channel, ClientMeta, FactorType } from "../types";

/** An account as sign-in sees it: its password hash, its state, and what it can sign in with. */
export interface SignInAccount extends UserWithPassword {
  locked: boolean;
  /** Seconds left of a growing wait after repeated wrong codes; 0 when none. */
  waitSeconds: number;
  /** The active authenticator app, sealed, or null. */
  totp: { id: string; secretSealed: string; keyId: string } | null;
  /** Unused recovery codes. */
  recoveryRemaining: number;
  /** The language of the account's messages. */
  locale: string;
}

export interface LoginLookup {
  rate: RateVerdict;
  user: SignInAccount | null;
  /** The database's clock (epoch seconds): TOTP steps are computed on the same clock that later checks them. */
  dbNowSeconds: number;
}

/**
 * What the store compares a presented code against; each factor says what it keeps:
 * - `mac`: the MAC of the one code sent (e-mail, SMS);
 * - `steps`: the MACs of the authenticator's code for each 30 s step of the challenge's life, from `firstStep`;
 * - `lookup`: nothing on the challenge; the code is looked up among the account's recovery codes.
 */
export type ChallengeCheck = { kind: "mac"; mac: string } | { kind: "steps"; firstStep: number; macs: string[] } | { kind: "lookup" };

export interface NewChallenge {
  id: string;
  userId: string;
  factor: FactorType;
  /** The address or number a code goes to, fixed at login so a resend goes to the same place; null when nothing is sent. */
  destination: string | null;
  check: ChallengeCheck;
  ttlSeconds: number;
  maxAttempts: number;
  resendSeconds: number;
  /** How many codes one challenge may send (a resend, or a login retried with its Idempotency-Key, is one more). */
  maxSends: number;
}

/**
 * What starting a challenge did. A login retried with its Idempotency-Key finds
 * the live challenge its first attempt wrote (the id is derived from the key):
 * - `renewed`: an e-mail or SMS challenge: the retry's code replaces the old
 *   one as send `send`, counted like a resend (every code sent is counted),
 *   without the cooldown between new challenges; a job of the old send is
 *   stale. This is what makes the challenge of a lost answer usable;
 * - `replayed`: a factor that sends nothing, or a challenge at its last send:
 *   nothing changes, nothing is counted or sent; the client gets the same challenge.
 * A key whose challenge has ended (used, expired, out of attempts), or whose id
 * holds another destination's challenge (the phone changed), is a `conflict`.
 * Parallel starts with one key are serialised: each later one finds the first.
 */
export type StartResult =
  | { outcome: "created" | "renewed" | "replayed"; send: number | null; expiresInSeconds: number; resendAfterSeconds: number }
  | { outcome: "rate_limited"; retryAfterSeconds: number }
  | { outcome: "conflict" };

/**
 * What a presented code proves, computed without the database: its MAC bound to
 * the challenge (compared with an e-mail or SMS code's MAC, or a TOTP step's),
 * and its recovery-code MACs under each configured key (none unless it has the
 * shape of a recovery code).
 */
export interface Proof {
  mac: string;
  recoveryMacs: string[];
}

export type ConsumeResult =
  | { outcome: "verified"; userId: string; factor: FactorType; authTime: number; locale: string; sid: string }
  | { outcome: "wrong_code"; attemptsRemaining: number }
  | { outcome: "rate_limited"; retryAfterSeconds: number }
  /** Unknown, expired, already consumed, out of attempts or locked: indistinguishable on purpose. */
  | { outcome: "gone" };

export type RenewResult =
  | { outcome: "renewed"; channel: Channel; destination: string; expiresInSeconds: number; send: number; locale: string }
  | { outcome: "too_soon"; retryAfterSeconds: number }
  | { outcome: "send_limit" }
  | { outcome: "rate_limited"; retryAfterSeconds: number }
  /** A live challenge whose factor sends nothing (TOTP, recovery). */
  | { outcome: "not_resendable" }
  | { outcome: "gone" };

export interface RenewLimits {
  ttlSeconds: number;
  resendSeconds: number;
  maxSends: number;
  /** Counters for a code actually sent, by the challenge's user and number. */
  codesAccount: Omit<RateHit, "key">;
  smsNumber: Omit<RateHit, "key">;
}

export interface SignInStore {
  /** Bumps the login counters and reads the account, in one statement, before any hashing. */
  findUserForLogin(email: string, hits: RateHit[]): Promise<LoginLookup>;
  /**
   * Bumps the challenge's counters (`hits`, and for a new challenge also
   * `cooldownHits`) and, if none is over, inserts the challenge; or, when a live
   * sign-in challenge with this id exists (a retried login), renews it under
   * `hits` alone, or replays it (see StartResult).
   */
  createChallenge(challenge: NewChallenge, hits: RateHit[], cooldownHits?: RateHit[]): Promise<StartResult>;
  /**
   * The shared verify path of every factor, in one atomic statement: counts the
   * client's verify, consumes the challenge or counts one failed attempt,
   * updates the account's failure streak (waits, lock), on success opens the
   * session and marks an e-mail or SMS destination verified, and writes the
   * security log (login_succeeded or login_failed, challenge_locked,
   * account_locked, recovery_code_used).
   */
  consumeChallenge(id: string, proof: Proof, options: { ipHit: RateHit; refresh: NewRefresh; lockout: LockoutPolicy; client: ClientMeta }): Promise<ConsumeResult>;
  /** Replaces the code of a live challenge, if its cooldown and the code limits allow. */
  renewChallenge(id: string, mac: string, limits: RenewLimits): Promise<RenewResult>;
  /** Makes a challenge unusable (its code could not be delivered). */
  revokeChallenge(id: string): Promise<void>;
}
