/**
 * Types every feature shares. This module imports nothing, so features can
 * depend on it without depending on each other.
 */

/** One structured log line. Callers never pass codes, passwords, tokens or secrets. */
export type Log = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

/** How a code travels to the user: the out-of-band channels. */
export type Channel = "email" | "sms";

/** The second factors a challenge can be for: codes by e-mail or SMS, an authenticator app, a recovery code. */
export type FactorType = Channel | "totp" | "recovery";

/** Milliseconds since the epoch; injectable so tests can fix time. */
export type Clock = () => number;

/**
 * What the security log records (`auth_events`): never a code, a password, a
 * token or a full IP address.
 */
export type EventType =
  | "login_succeeded"
  | "login_failed"
  | "challenge_locked"
  | "account_locked"
  | "factor_enrolled"
  | "factor_removed"
  | "recovery_code_used"
  | "recovery_codes_regenerated"
  | "password_reset"
  | "password_changed"
  | "phone_changed"
  | "session_revoked"
  | "refresh_reuse_detected";

/** Where a request came from, as stored with sessions and events: an IP prefix (/24, /48) and a cut user agent. */
export interface ClientMeta {
  ipPrefix: string | null;
  userAgent: string | null;
}

/** The caller of a bearer route: the account and the session its token belongs to. */
export interface Caller {
  userId: string;
  /** The session's public id; null for a token from before sessions had one (never live). */
  sid: string | null;
}
