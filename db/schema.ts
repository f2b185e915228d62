/**
 * The Drizzle schema. `npm run db:generate` turns changes here into SQL under
 * drizzle/; never edit those files by hand.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: uuid("id").primaryKey(),
  /** Trimmed and lowercased before it gets here; unique across accounts. */
  email: text("email").notNull().unique(),
  /** E.164, or null when the user has no SMS channel. */
  phone: text("phone"),
  /** `pbkdf2-sha256$<iterations>$<salt>$<hash>`: parameters travel with the hash. */
  passwordHash: text("password_hash").notNull(),
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
    channel: text("channel", { enum: ["email", "sms"] }).notNull(),
    /** Where the code went, fixed at login so a resend goes to the same place. */
    destination: text("destination").notNull(),
    /** HMAC-SHA256 of the code under a server key (base64url); never the code itself. */
    codeMac: text("code_mac").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    sends: integer("sends").notNull().default(1),
    resendAfter: timestamp("resend_after", { withTimezone: true }).notNull(),
    consumedAt: timestamp("consumed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("challenges_expires_at_idx").on(t.expiresAt),
    index("challenges_user_id_idx").on(t.userId),
    check("challenges_attempts_check", sql`${t.attempts} >= 0 AND ${t.attempts} <= ${t.maxAttempts}`),
  ],
);
