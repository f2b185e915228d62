/**
 * Builders for the store contract (test/store/): every test makes its own
 * accounts, challenges, families and counter keys, with random names, so tests
 * and files never share a row, on either store.
 */
import { expect } from "vitest";
import type { UserRecord } from "../../functions/core/account/store";
import type { LockoutPolicy } from "../../functions/core/config";
import type { RateHit } from "../../functions/core/limits";
import type { NewRefresh } from "../../functions/core/session/store";
import type { NewChallenge, Proof, RenewLimits } from "../../functions/core/signin/store";
import type { AuthStore } from "../../functions/core/store";
import type { Caller, ClientMeta, FactorType } from "../../functions/core/types";

/** A random stand-in for a MAC or a token hash: the stores only compare them. */
export function secretLike(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** A counter key no other test uses. */
export function uniqueKey(name = "contract"): string {
  return `${name}:${crypto.randomUUID()}`;
}

export function hitOf(key: string, limit: number, windowSeconds = 60): RateHit {
  return { key, limit, windowSeconds };
}

/** A per-client verify counter that this test alone uses, far from its limit unless told. */
export function ipHit(limit = 1_000, windowSeconds = 60): RateHit {
  return hitOf(uniqueKey("verify_ip"), limit, windowSeconds);
}

/** The production policy's shape with small numbers: waits after 2, doubling, capped at 25 s, locked at 7. */
export const LOCKOUT: LockoutPolicy = { waitAfter: 2, baseWaitSeconds: 10, maxWaitSeconds: 25, lockAfter: 7 };

/** Where the contract's requests come from, as sessions and the security log keep it. */
export const CLIENT: ClientMeta = { ipPrefix: "198.51.100.0/24", userAgent: "store-contract/1.0" };

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newRefresh(ttlSeconds = 3_600): NewRefresh {
  return { familyId: crypto.randomUUID(), sid: crypto.randomUUID(), tokenHash: secretLike(), ttlSeconds, client: CLIENT };
}

/** What a presented code proves: its MAC, and its recovery-code MACs (none unless given). */
export function proof(mac: string, recoveryMacs: string[] = []): Proof {
  return { mac, recoveryMacs };
}

/** The options of one verify: a fresh client counter and session, the small lockout policy. */
export function verifyOptions(overrides: Partial<{ ipHit: RateHit; refresh: NewRefresh; lockout: LockoutPolicy; client: ClientMeta }> = {}) {
  return { ipHit: ipHit(), refresh: newRefresh(), lockout: LOCKOUT, client: CLIENT, ...overrides };
}

/** A verified outcome for `userId`: the factor, the account's language and the session's public id (any, unless given). */
export function verified(userId: string, expected: { factor?: FactorType; locale?: string; sid?: string; authTime?: unknown } = {}) {
  return {
    outcome: "verified",
    userId,
    factor: expected.factor ?? "email",
    authTime: expected.authTime ?? expect.any(Number),
    locale: expected.locale ?? "en",
    sid: expected.sid ?? expect.stringMatching(UUID),
  };
}

export interface User extends UserRecord {
  passwordHash: string;
  locale: string;
}

export async function aUser(store: AuthStore, options: { email?: string; phone?: string | null; locale?: string } = {}): Promise<User> {
  const user = {
    id: crypto.randomUUID(),
    email: options.email ?? `contract-${crypto.randomUUID()}@example.test`,
    phone: options.phone ?? null,
    passwordHash: `hash-${secretLike()}`,
    locale: options.locale ?? "en",
  };
  const created = await store.createUser(user);
  expect(created).toEqual({ id: user.id, email: user.email, phone: user.phone });
  return user;
}

/** A phone number no other test uses. */
export function aPhone(): string {
  return `+5511${String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1e9).padStart(9, "0")}`;
}

export const CHALLENGE = { ttlSeconds: 300, maxAttempts: 5, resendSeconds: 60, maxSends: 5 } as const;

export interface Challenge {
  id: string;
  userId: string;
  mac: string;
  destination: string;
}

/** An e-mail challenge with a code's MAC, as login starts one (not yet stored). */
export type MacChallenge = NewChallenge & { check: { kind: "mac"; mac: string } };
export function newMacChallenge(userId: string, destination = "someone@example.test", overrides: Partial<Omit<NewChallenge, "check">> = {}): MacChallenge {
  return { id: crypto.randomUUID(), userId, factor: "email", destination, check: { kind: "mac", mac: secretLike() }, ...CHALLENGE, ...overrides };
}

/** Creates a live challenge under generous limits and returns it with its MAC. */
export async function aChallenge(
  store: AuthStore,
  user: { id: string; email: string; phone?: string | null },
  options: Partial<Pick<NewChallenge, "factor" | "ttlSeconds" | "maxAttempts" | "resendSeconds">> = {},
): Promise<Challenge> {
  const factor = options.factor ?? "email";
  const destination = factor === "sms" ? user.phone! : user.email;
  const challenge: NewChallenge = {
    id: crypto.randomUUID(),
    userId: user.id,
    factor,
    destination,
    check: { kind: "mac", mac: secretLike() },
    ttlSeconds: options.ttlSeconds ?? CHALLENGE.ttlSeconds,
    maxAttempts: options.maxAttempts ?? CHALLENGE.maxAttempts,
    resendSeconds: options.resendSeconds ?? CHALLENGE.resendSeconds,
    maxSends: CHALLENGE.maxSends,
  };
  expect(await store.createChallenge(challenge, [hitOf(uniqueKey("codes_account"), 1_000)])).toMatchObject({ outcome: "created", send: 1 });
  return { id: challenge.id, userId: user.id, mac: (challenge.check as { mac: string }).mac, destination };
}

/** Generous code limits for a resend, unless a test tightens one. */
export function renewLimits(overrides: Partial<RenewLimits> = {}): RenewLimits {
  return {
    ttlSeconds: CHALLENGE.ttlSeconds,
    resendSeconds: CHALLENGE.resendSeconds,
    maxSends: 5,
    codesAccount: { limit: 1_000, windowSeconds: 1_800 },
    smsNumber: { limit: 1_000, windowSeconds: 86_400 },
    ...overrides,
  };
}

/** Runs `tasks` with at most `inFlight` at once (the server allows 100 connections, shared by the files running). */
export async function pooled<T>(tasks: (() => Promise<T>)[], inFlight = 25): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

/** A session (refresh family) of an account, and the caller its access token speaks for. */
export interface Session {
  userId: string;
  id: string;
  token: string;
  sid: string;
  caller: Caller;
}

/** A lockout policy no contract test reaches by signing in. */
const LENIENT: LockoutPolicy = { waitAfter: 5, baseWaitSeconds: 30, maxWaitSeconds: 3_600, lockAfter: 100 };

/** Signs `user` in through the verify path with an e-mail code: the session that opens. */
export async function aSession(store: AuthStore, user: { id: string; email: string }, ttlSeconds = 3_600): Promise<Session> {
  const challenge = await aChallenge(store, user);
  const refresh = newRefresh(ttlSeconds);
  expect(await store.consumeChallenge(challenge.id, proof(challenge.mac), verifyOptions({ refresh, lockout: LENIENT }))).toMatchObject({ outcome: "verified" });
  return { userId: user.id, id: refresh.familyId, token: refresh.tokenHash, sid: refresh.sid, caller: { userId: user.id, sid: refresh.sid } };
}

/** Signs a new account in through the verify path: the refresh family that opens. */
export async function aFamily(store: AuthStore, ttlSeconds = 3_600): Promise<Session> {
  return aSession(store, await aUser(store), ttlSeconds);
}
