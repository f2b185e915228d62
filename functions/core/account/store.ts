/** What the account feature needs from storage. Each method is one statement. */
import type { RateHit, RateVerdict } from "../limits";
import type { Caller, ClientMeta } from "../types";

export interface UserRecord {
  id: string;
  email: string;
  phone: string | null;
}

export interface UserWithPassword extends UserRecord {
  passwordHash: string;
}

/** The account as `GET /auth/me` shows it. */
export interface Profile extends UserRecord {
  locale: string;
  emailVerifiedAt: string | null;
  phoneVerifiedAt: string | null;
  createdAt: string;
}

/** What a password check on a bearer route reads: the hash, behind the caller's login counters. */
export type CallerPassword = { status: "ok"; passwordHash: string; email: string } | { status: "limited"; verdict: RateVerdict & { limited: true } } | { status: "dead_caller" };

export interface AccountStore {
  /** Inserts a user; null when the e-mail is already taken. */
  createUser(user: UserWithPassword & { locale: string }): Promise<UserRecord | null>;
  findUserById(id: string): Promise<Profile | null>;
  /** Sets the account's language; null when the caller's session is dead. */
  setLocale(caller: Caller, locale: string): Promise<Profile | null>;
  /**
   * Bumps the login counters (a wrong current password counts like a failed
   * sign-in) and reads the password hash, if the caller's session is live.
   */
  callerPassword(caller: Caller, limits: { ip: RateHit; account: Omit<RateHit, "key"> }): Promise<CallerPassword>;
  /**
   * Stores a new password hash, revokes every other session (the caller's own
   * survives) and logs `password_changed`; false when the caller's session died meanwhile.
   */
  changePassword(caller: Caller, passwordHash: string, client: ClientMeta): Promise<boolean>;
  /** Deletes the account and every row of it (sessions die with it); false when the caller's session is dead. */
  deleteAccount(caller: Caller): Promise<boolean>;
  /** A JSON copy of the account: profile, factors without secrets, sessions, events; null when the caller's session is dead. */
  exportAccount(caller: Caller): Promise<Record<string, unknown> | null>;
}
