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
import type { NewChallenge, RenewLimits } from "../../functions/core/signin/store";
import type { AuthStore } from "../../functions/core/store";

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

export function newRefresh(ttlSeconds = 3_600): NewRefresh {
  return { familyId: crypto.randomUUID(), tokenHash: secretLike(), ttlSeconds };
}

export async function aUser(store: AuthStore, options: { email?: string; phone?: string | null } = {}): Promise<UserRecord & { passwordHash: string }> {
  const user = {
    id: crypto.randomUUID(),
    email: options.email ?? `contract-${crypto.randomUUID()}@example.test`,
    phone: options.phone ?? null,
    passwordHash: `hash-${secretLike()}`,
  };
  const created = await store.createUser(user);
  expect(created).toEqual({ id: user.id, email: user.email, phone: user.phone });
  return user;
}

export const CHALLENGE = { ttlSeconds: 300, maxAttempts: 5, resendSeconds: 60 } as const;

export interface Challenge {
  id: string;
  userId: string;
  mac: string;
  destination: string;
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
  };
  expect(await store.createChallenge(challenge, [hitOf(uniqueKey("codes_account"), 1_000)])).toEqual({ limited: false });
  return { id: challenge.id, userId: user.id, mac: challenge.check.mac, destination };
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

/** Signs a new account in through the verify path: the refresh family that opens. */
export async function aFamily(store: AuthStore, ttlSeconds = 3_600): Promise<{ userId: string; id: string; token: string }> {
  const user = await aUser(store);
  const challenge = await aChallenge(store, user);
  const refresh = newRefresh(ttlSeconds);
  const lockout: LockoutPolicy = { waitAfter: 5, baseWaitSeconds: 30, maxWaitSeconds: 3_600, lockAfter: 100 };
  expect(await store.consumeChallenge(challenge.id, { mac: challenge.mac }, { ipHit: ipHit(), refresh, lockout })).toMatchObject({ outcome: "verified" });
  return { userId: user.id, id: refresh.familyId, token: refresh.tokenHash };
}
