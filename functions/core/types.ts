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
