/**
 * The Drizzle schema. `npm run db:generate` turns changes here into SQL under
 * drizzle/; never edit those files by hand.
 */
import { sql } from "drizzle-orm";
import { bigint, bigserial, check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: uuid("id").primaryKey(),
  /** Trimmed and lowercased before it gets here; unique across accounts. */
  email: text("email").notNull().unique(),
  /** E.164, or null when the user has no SMS channel. */
  phone: text("phone"),
  /** `pbkdf2-sha256$<iterations>$<salt>$<hash>`: parameters travel with the hash. */
  passwordHash: text("password_hash").notNull(),
  /** Consecutive wrong second factors; reset by a right one. Drives the growing waits and the lock. */
  failedOtpCount: integer("failed_otp_count").notNull().default(0),
  /** No new challenge before this (the growing wait after repeated wrong codes). */
  otpBlockedUntil: timestamp("otp_blocked_until", { withTimezone: true }),
  /** Set after 100 consecutive wrong codes (NIST SP 800-63B); cleared only by an operator (a password reset leaves it). */
  lockedAt: timestamp("locked_at", { withTimezone: true }),
  /** When an e-mail code (sign-in or reset) was first accepted: the address is proven. */
  emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
  /** When an SMS code to this number was first accepted. */
  phoneVerifiedAt: timestamp("phone_verified_at", { withTimezone: true }),
  /** BCP 47 language of every message the account gets (en, pt-BR). */
  locale: text("locale").notNull().default("en"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One login's second factor. Shared by every worker instance: the row, not
 * memory, decides whether a code is still good.
 */
export const challenges = pgTable(
  "challenges",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** What the code is for: signing in, resetting the password, or confirming a new phone number. */
    purpose: text("purpose", { enum: ["sign_in", "password_reset", "phone_change"] }).notNull().default("sign_in"),
    /** The factor this challenge is for (the column kept its first name: it began with e-mail and SMS only). */
    channel: text("channel", { enum: ["email", "sms", "totp", "recovery"] }).notNull(),
    /** Where the code went, fixed at login so a resend goes to the same place; null for factors that send nothing. */
    destination: text("destination"),
    /** HMAC-SHA256 of the code under a server key (base64url); never the code itself. Empty for TOTP and recovery. */
    codeMac: text("code_mac").notNull(),
    /**
     * TOTP: the MACs (as code_mac) of the authenticator's codes for every 30 s
     * step of the challenge's life, from `first_step` on, computed at login. A
     * verify then needs no secret and no second round trip.
     */
    stepMacs: text("step_macs").array(),
    firstStep: bigint("first_step", { mode: "number" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    sends: integer("sends").notNull().default(1),
    resendAfter: timestamp("resend_after", { withTimezone: true }).notNull(),
    consumedAt: timestamp("consumed_at", { withTimezone: true }),
    /**
     * Delivery, for support ("why didn't I get my code?"): queued, sending, sent
     * or failed; which send (1 = the login's code, 2+ = resends) went out; the
     * provider's message id or the last error.
     */
    deliveryStatus: text("delivery_status", { enum: ["queued", "sending", "sent", "failed"] }).notNull().default("queued"),
    deliveredSend: integer("delivered_send"),
    deliveryAttempts: integer("delivery_attempts").notNull().default(0),
    deliveryClaimedAt: timestamp("delivery_claimed_at", { withTimezone: true }),
    providerMessageId: text("provider_message_id"),
    deliveryError: text("delivery_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("challenges_expires_at_idx").on(t.expiresAt),
    index("challenges_user_id_idx").on(t.userId),
    check("challenges_attempts_check", sql`${t.attempts} >= 0 AND ${t.attempts} <= ${t.maxAttempts}`),
  ],
);

/**
 * Fixed-window counters shared by every instance. A check is one upsert that
 * returns the new count, so parallel requests on different instances cannot
 * slip past a limit.
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    /** `<limit>:<subject>`, e.g. `login_ip:203.0.113.7`. */
    key: text("key").primaryKey(),
    count: integer("count").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    /** End of the window; the row may be deleted after it. */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("rate_limits_expires_at_idx").on(t.expiresAt)],
);

/**
 * One refresh-token family per sign-in. The row holds the hash of the only
 * refresh token that is valid now; rotating swaps it in one UPDATE, and a token
 * of the family that is not the current one revokes the family (reuse detection).
 */
export const refreshSessions = pgTable(
  "refresh_sessions",
  {
    /** The family id, also the public half of the token (`<id>.<secret>`). */
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** SHA-256 of the current token's secret (base64url). */
    tokenHash: text("token_hash").notNull(),
    /**
     * SHA-256 of the token the current one replaced, kept so a refresh whose
     * answer was lost can be retried: presented again within
     * REFRESH_RETRY_GRACE_SECONDS of `rotated_at`, it gets the same new pair
     * (the next secret is derived from it with a server key). Null before the
     * first rotation.
     */
    previousTokenHash: text("previous_token_hash"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    rotatedAt: timestamp("rotated_at", { withTimezone: true }),
    /**
     * The session's public id (`sid` in access tokens, the id in /auth/sessions).
     * The family id stays the refresh token's secret companion and is never shown.
     */
    sid: uuid("sid").unique(),
    /** The client's user agent (at most 256 characters) and IP prefix (/24, /48), as of its last use: never a full address. */
    userAgent: text("user_agent"),
    ipPrefix: text("ip_prefix"),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    /** When the user proved both factors; refreshing keeps it, so a refresh never makes a sign-in recent. Null before it was recorded. */
    authTime: timestamp("auth_time", { withTimezone: true }),
    /** The second factor that opened the family (email, sms, totp, recovery); null before it was recorded. */
    factor: text("factor", { enum: ["email", "sms", "totp", "recovery"] }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("refresh_sessions_expires_at_idx").on(t.expiresAt), index("refresh_sessions_user_id_idx").on(t.userId)],
);

/**
 * Enrolled second factors beyond the account's e-mail and phone: today the
 * authenticator app (TOTP). One row per account and type; a pending row becomes
 * active when its first code is confirmed.
 */
export const factors = pgTable(
  "factors",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type", { enum: ["totp"] }).notNull(),
    status: text("status", { enum: ["pending", "active"] }).notNull(),
    /** The TOTP secret sealed with AES-256-GCM under FACTOR_ENCRYPTION_KEY (never in clear), and that key's id. */
    secretSealed: text("secret_sealed").notNull(),
    keyId: text("key_id").notNull(),
    /** The last 30 s step accepted: each step is accepted at most once per account (RFC 6238 §5.2). */
    lastStep: bigint("last_step", { mode: "number" }),
    /** Wrong codes while confirming a pending factor; at the cap it must be enrolled again. */
    attempts: integer("attempts").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("factors_user_id_type_idx").on(t.userId, t.type)],
);

/**
 * Recovery codes: only an HMAC of each (ASVS 5.0 §6.5.2), under a subkey of
 * FACTOR_ENCRYPTION_KEY (whose id is kept beside it), each usable once.
 */
export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeMac: text("code_mac").notNull(),
    keyId: text("key_id").notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeMac] })],
);

/**
 * The security log: who did what, when, from where (an IP prefix and a user
 * agent, never a full address), with which factor. Never a code, a password or
 * a token. Kept AUTH_EVENTS_RETENTION_DAYS; gone with the account.
 */
export const authEvents = pgTable(
  "auth_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type", {
      enum: [
        "login_succeeded",
        "login_failed",
        "challenge_locked",
        "account_locked",
        "factor_enrolled",
        "factor_removed",
        "recovery_code_used",
        "recovery_codes_regenerated",
        "password_reset",
        "password_changed",
        "phone_changed",
        "session_revoked",
        "refresh_reuse_detected",
      ],
    }).notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    ipPrefix: text("ip_prefix"),
    userAgent: text("user_agent"),
    factor: text("factor"),
  },
  (t) => [index("auth_events_user_id_id_idx").on(t.userId, t.id), index("auth_events_at_idx").on(t.at)],
);
