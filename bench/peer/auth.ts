/**
 * The peer's Better Auth configuration: e-mail + password, the two-factor
 * plugin with e-mail OTP, the Drizzle adapter, and nothing else. Choices that
 * differ from the defaults, and why:
 * - every new user gets `twoFactorEnabled` (a database hook), like every account
 *   of the service has a second factor; without it sign-in never asks for one;
 * - `autoSignIn: false`: the service's register does not open a session either;
 * - TOTP is disabled: only e-mail codes are compared, and it saves the peer a
 *   `twoFactor` lookup per sign-in;
 * - the rate limiter is off, as the bench requires;
 * - `PASSWORD_HASH=pbkdf2-1000` swaps scrypt for the same PBKDF2 the service's
 *   cheap run uses (1,000 iterations, HMAC pepper first), so both sides pay the
 *   same hash cost.
 */
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { twoFactor } from "better-auth/plugins/two-factor";
import type { NeonHttpDatabase } from "drizzle-orm/neon-http";
import { schema } from "./schema";

export interface PeerEnv {
  DATABASE_URL: string;
  /** The bench's local Neon-style HTTP SQL endpoint; unset means Neon's own. */
  DATABASE_HTTP_ENDPOINT?: string;
  BETTER_AUTH_SECRET: string;
  BETTER_AUTH_URL: string;
  SENDGRID_API_KEY: string;
  SENDGRID_API_URL: string;
  EMAIL_FROM: string;
  /** `production` (Better Auth's scrypt) or `pbkdf2-1000`. */
  PASSWORD_HASH?: string;
}

const CHEAP_ITERATIONS = 1000;
const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function unhex(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The service's cheap-run hash, step for step: HMAC-SHA256 pepper, then PBKDF2-SHA256. */
async function pbkdf2(password: string, pepper: string, salt: Uint8Array<ArrayBuffer>): Promise<string> {
  const hmacKey = await crypto.subtle.importKey("raw", encoder.encode(pepper), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const peppered = await crypto.subtle.sign("HMAC", hmacKey, encoder.encode(password));
  const key = await crypto.subtle.importKey("raw", peppered, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: CHEAP_ITERATIONS }, key, 256);
  return hex(bits);
}

function cheapPassword(pepper: string) {
  return {
    async hash(password: string) {
      const salt = crypto.getRandomValues(new Uint8Array(16));
      return `${hex(salt)}:${await pbkdf2(password, pepper, salt)}`;
    },
    async verify({ hash, password }: { hash: string; password: string }) {
      const [salt, expected] = hash.split(":");
      if (!salt || !expected) return false;
      const actual = await pbkdf2(password, pepper, unhex(salt));
      // Both are hex of a fixed length; compare without an early exit.
      let diff = actual.length ^ expected.length;
      for (let i = 0; i < actual.length; i++) diff |= actual.charCodeAt(i) ^ expected.charCodeAt(i);
      return diff === 0;
    },
  };
}

/** Posts the code to SendGrid's v3 API, the same request the service makes. */
async function sendCode(env: PeerEnv, to: string, otp: string): Promise<void> {
  const response = await fetch(`${env.SENDGRID_API_URL.replace(/\/+$/, "")}/v3/mail/send`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.SENDGRID_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      personalizations: [{ to: [{ email: to }] }],
      from: { email: env.EMAIL_FROM },
      subject: "Your sign-in code",
      content: [{ type: "text/plain", value: `Your sign-in code is ${otp}. It expires in 3 minutes.` }],
    }),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`SendGrid answered ${response.status}`);
}

/** A Better Auth instance bound to one request's database handle. */
export function createAuth(env: PeerEnv, db: NeonHttpDatabase<typeof schema>) {
  return betterAuth({
    baseURL: env.BETTER_AUTH_URL,
    secret: env.BETTER_AUTH_SECRET,
    database: drizzleAdapter(db, { provider: "pg", schema }),
    emailAndPassword: {
      enabled: true,
      autoSignIn: false,
      ...(env.PASSWORD_HASH === "pbkdf2-1000" ? { password: cheapPassword(env.BETTER_AUTH_SECRET) } : {}),
    },
    databaseHooks: {
      user: { create: { before: async (user) => ({ data: { ...user, twoFactorEnabled: true } }) } },
    },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { level: "error" },
    plugins: [
      twoFactor({
        totpOptions: { disable: true },
        otpOptions: { sendOTP: ({ user, otp }) => sendCode(env, user.email, otp) },
      }),
    ],
  });
}
