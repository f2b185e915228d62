/**
 * Authenticator-app steps for the tests, done by an implementation nobody here
 * wrote (the `otpauth` package): enrol through the API, read the otpauth:// URI
 * back, and compute codes the way a phone would.
 */
import * as OTPAuth from "otpauth";
import { expect } from "vitest";
import { api } from "./api";
import { eventually } from "./eventually";
import { sql } from "./sql";

/** The database's clock, in epoch seconds: the one every instance's checks use. */
export async function dbNow(): Promise<number> {
  const [row] = await sql<{ now: number }>("SELECT EXTRACT(EPOCH FROM now())::float8 AS now");
  return Number(row!.now);
}

/**
 * Waits, if needed, until the database clock is at least `margin` seconds away
 * from the next 30 s step, so a code computed now for a given step offset is
 * still judged against the same step when it arrives. Returns that clock.
 */
export async function awayFromStepEdge(margin = 6): Promise<number> {
  return eventually("the clock to be clear of a 30 s step boundary", dbNow, (now) => now % 30 < 30 - margin, 40_000);
}

/** An authenticator app holding the secret from an otpauth:// URI. */
export function authenticatorFrom(uri: string): OTPAuth.TOTP {
  const parsed = OTPAuth.URI.parse(uri);
  if (!(parsed instanceof OTPAuth.TOTP)) throw new Error(`not a TOTP URI: ${uri}`);
  return parsed;
}

/** The code the app shows `steps` steps from `at` (epoch seconds). */
export function codeAt(app: OTPAuth.TOTP, at: number, steps = 0): string {
  return app.generate({ timestamp: (at + steps * 30) * 1000 });
}

/** Enrols and confirms an authenticator app for a signed-in user; returns the app and the recovery codes. */
export async function enrolAuthenticator(accessToken: string) {
  const enrolled = await api("POST", "/auth/factors/totp", { token: accessToken });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  const app = authenticatorFrom(enrolled.body.otpauth_uri);
  const now = await awayFromStepEdge();
  const confirmed = await api("POST", "/auth/factors/totp/confirm", { token: accessToken, body: { code: codeAt(app, now) } });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  return { app, enrolled: enrolled.body, recoveryCodes: confirmed.body.recovery_codes as string[], confirmedAt: now };
}
