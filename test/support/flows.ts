/** Shared steps: a fresh user per test, reading codes from the fake providers. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { api } from "./api";
import { eventually } from "./eventually";
import { sql } from "./sql";
import { loadConfig } from "../../functions/core/config";
import { codeMac } from "../../functions/core/factors/oob/code";

export const PASSWORD = "correct horse battery staple";

/** A unique e-mail address, so no two tests share a user. */
export function uniqueEmail(label = "user"): string {
  return `${label}-${crypto.randomUUID()}@example.test`;
}

/** A unique E.164 number that the fake Twilio delivers to. */
export function uniquePhone(): string {
  const digits = crypto.getRandomValues(new Uint32Array(2));
  return `+55${String(digits[0]! % 100).padStart(2, "0")}9${String(digits[1]! % 100_000_000).padStart(8, "0")}`;
}

export async function registerUser(options: { email?: string; phone?: string; password?: string } = {}) {
  const email = options.email ?? uniqueEmail();
  const response = await api("POST", "/auth/register", {
    body: { email, password: options.password ?? PASSWORD, ...(options.phone ? { phone: options.phone } : {}) },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { email, phone: options.phone, password: options.password ?? PASSWORD, id: response.body.user.id as string };
}

export interface Delivered {
  provider: string;
  to: string;
  text: string;
}

/** Everything the fake providers delivered to one address or number. */
export async function deliveredTo(to: string): Promise<Delivered[]> {
  const response = await fetch(`${env.TEST_FAKE_PROVIDERS_URL}/messages?to=${encodeURIComponent(to)}`);
  return (await response.json()) as Delivered[];
}

/**
 * Waits until at least `count` messages reached `to` (codes go out through the
 * delivery queue, a moment after login answers), and returns them.
 */
export function waitForDelivery(to: string, count = 1): Promise<Delivered[]> {
  return eventually(`${count} message(s) to ${to}`, () => deliveredTo(to), (messages) => messages.length >= count);
}

const CODE = /\b(\d{6})\b/;

/** The messages to `to` that carry a code (security notices carry none). */
export async function codesTo(to: string): Promise<Delivered[]> {
  return (await deliveredTo(to)).filter((m) => CODE.test(m.text));
}

/** The code in the `count`-th code-carrying message to `to` (the latest once that many arrived). */
export async function latestCode(to: string, count = 1): Promise<string> {
  const messages = await eventually(`${count} code(s) to ${to}`, () => codesTo(to), (found) => found.length >= count);
  return messages[count - 1]!.text.match(CODE)![1]!;
}

/**
 * The code of a challenge's current send, once it is delivered: what a user
 * reads after a login was retried with its Idempotency-Key (an earlier send may
 * or may not have gone out before the retry replaced it, and may arrive later).
 * Picked among the delivered codes by the MAC the challenge keeps.
 */
export async function currentCode(to: string, challengeId: string): Promise<string> {
  const [row] = await eventually(
    `the current send of ${challengeId} delivered`,
    () => sql<{ current: boolean; code_mac: string }>("SELECT delivered_send = sends AS current, code_mac FROM challenges WHERE id = $1", [challengeId]),
    (rows) => rows[0]?.current === true,
  );
  const { secretKey } = loadConfig(env as unknown as Record<string, string>);
  for (const message of await codesTo(to)) {
    const code = message.text.match(CODE)![1]!;
    if ((await codeMac(secretKey, challengeId, code)) === row!.code_mac) return code;
  }
  throw new Error(`no delivered code to ${to} matches the current send of ${challengeId}`);
}

/** Registers (unless given a user), logs in, and returns the challenge and its code. */
export async function loginWithCode(options: { email?: string; phone?: string; channel?: "email" | "sms" } = {}) {
  const user = options.email ? { email: options.email, phone: options.phone, password: PASSWORD } : await registerUser(options);
  const channel = options.channel ?? "email";
  const to = channel === "sms" ? user.phone! : user.email;
  const before = (await codesTo(to)).length; // an existing user may have older codes
  const login = await api("POST", "/auth/login", { body: { email: user.email, password: user.password, channel } });
  expect(login.status, JSON.stringify(login.body)).toBe(202);
  const code = await latestCode(to, before + 1);
  return { user, challengeId: login.body.challenge_id as string, code, login };
}

/** Registers a new user and signs in by e-mail code: the user and the token pair. */
export async function signIn(options: { phone?: string } = {}) {
  const user = await registerUser(options);
  const { challengeId, code } = await loginWithCode({ email: user.email, phone: user.phone });
  const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return { user, accessToken: verified.body.access_token as string, refreshToken: verified.body.refresh_token as string };
}

/** Ends the 60 s wait between new e-mail or SMS challenges of an account, as if a minute had passed. */
export async function clearCodeCooldown(userId: string): Promise<void> {
  await sql("DELETE FROM rate_limits WHERE key = $1", [`code_cooldown:${userId}`]);
}

/** Another sign-in of an existing account by e-mail code (another device, with its own user agent). */
export async function signInAgain(user: { id: string; email: string; password?: string }, userAgent = "Second device/1.0") {
  await clearCodeCooldown(user.id);
  const sent = (await codesTo(user.email)).length;
  const headers = { "user-agent": userAgent };
  const login = await api("POST", "/auth/login", { body: { email: user.email, password: user.password ?? PASSWORD }, headers });
  expect(login.status, JSON.stringify(login.body)).toBe(202);
  const code = await latestCode(user.email, sent + 1);
  const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: login.body.challenge_id, code }, headers });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return { accessToken: verified.body.access_token as string, refreshToken: verified.body.refresh_token as string };
}
