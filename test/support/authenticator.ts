/**
 * Authenticator apps and recovery codes for the store contract, built from the
 * core's own primitives as login builds them: TOTP codes by RFC 6238
 * (`hotp`), bound to their challenge by `codeMac`, and recovery codes MACed by
 * `recoveryCodeMac`. Steps come from the store's clock (`dbNowSeconds`, as the
 * login lookup reports it), so each store judges them against the clock that
 * made them.
 */
import { expect } from "vitest";
import { codeMacKey, codeMacWith } from "../../functions/core/factors/oob/code";
import { generateRecoveryCodes, recoveryCodeMac } from "../../functions/core/factors/recovery/codes";
import { TOTP_DRIFT_STEPS } from "../../functions/core/factors/totp/index";
import { hotp, newTotpSecret, timeStep } from "../../functions/core/factors/totp/rfc6238";
import type { Proof } from "../../functions/core/signin/store";
import type { AuthStore } from "../../functions/core/store";
import { aSession, aUser, CHALLENGE, CLIENT, proof, type Session, type User } from "./store-contract";

/** The server key behind the contract's code MACs (SECRET_KEY's part in production). */
const SECRET_KEY = crypto.getRandomValues(new Uint8Array(32));
/** The key behind the contract's recovery-code MACs (FACTOR_ENCRYPTION_KEY's part), and one from before a rotation. */
const RECOVERY_KEY = crypto.getRandomValues(new Uint8Array(32));
const PREVIOUS_RECOVERY_KEY = crypto.getRandomValues(new Uint8Array(32));
export const KEY_ID = "contract-key";

/** The 30 s step the store's clock is in (its `dbNowSeconds`). */
export async function storeStep(store: AuthStore): Promise<number> {
  return timeStep((await store.findUserForLogin(`clock-${crypto.randomUUID()}@example.test`, [])).dbNowSeconds);
}

export interface RecoveryCodes {
  codes: string[];
  /** Their MACs, as the store keeps them. */
  macs: string[];
}

/** Fresh recovery codes and their MACs. */
export async function recoveryCodes(): Promise<RecoveryCodes> {
  const codes = generateRecoveryCodes();
  return { codes, macs: await Promise.all(codes.map((code) => recoveryCodeMac(RECOVERY_KEY, code))) };
}

/** What presenting a recovery code proves: its MAC under the previous key and the current one, as after a key rotation. */
export async function recoveryProof(code: string): Promise<Proof> {
  return proof("", [await recoveryCodeMac(PREVIOUS_RECOVERY_KEY, code), await recoveryCodeMac(RECOVERY_KEY, code)]);
}

export interface Authenticator {
  user: User;
  session: Session;
  factorId: string;
  secret: Uint8Array;
  recovery: RecoveryCodes;
}

/** A sealed secret as the store sees one: it only keeps and compares it. */
export function sealedLike(keyId = KEY_ID) {
  return { secretSealed: `sealed:${crypto.randomUUID()}`, keyId };
}

/** An account signed in by e-mail with a pending authenticator app, not yet confirmed. */
export async function aPendingAuthenticator(store: AuthStore, keyId = KEY_ID): Promise<Omit<Authenticator, "recovery">> {
  const user = await aUser(store);
  const session = await aSession(store, user);
  const factorId = crypto.randomUUID();
  expect(await store.enrolTotp(session.caller, { id: factorId, ...sealedLike(keyId) })).toEqual({ status: "pending", email: user.email });
  return { user, session, factorId, secret: newTotpSecret() };
}

/** An account with an active authenticator app, confirmed with the code of `confirmStep`, and its recovery codes. */
export async function anAuthenticator(store: AuthStore, confirmStep: number): Promise<Authenticator> {
  const pending = await aPendingAuthenticator(store);
  const recovery = await recoveryCodes();
  const confirmed = await store.confirmTotp(pending.user.id, pending.factorId, confirmStep, CHALLENGE.maxAttempts, { macs: recovery.macs, keyId: KEY_ID }, CLIENT);
  expect(confirmed).toEqual({ outcome: "confirmed", recoveryCodesCreated: true });
  return { ...pending, recovery };
}

/** The proof of the authenticator's code for `step`, presented on challenge `challengeId`. */
export async function totpProof(secret: Uint8Array, challengeId: string, step: number): Promise<Proof> {
  return proof(await codeMacWith(await codeMacKey(SECRET_KEY), challengeId, await hotp(secret, step)));
}

/**
 * A TOTP sign-in challenge as login starts one: the MAC of the app's code for
 * every step of its life on the store's clock, one step of drift either side
 * (or from `firstStep` on, to leave steps out). Returns its id and the step it
 * was made in.
 */
export async function aTotpChallenge(
  store: AuthStore,
  auth: { user: User; secret: Uint8Array },
  options: { ttlSeconds?: number; firstStep?: number } = {},
): Promise<{ id: string; step: number }> {
  const ttlSeconds = options.ttlSeconds ?? CHALLENGE.ttlSeconds;
  const now = (await store.findUserForLogin(auth.user.email, [])).dbNowSeconds;
  const id = crypto.randomUUID();
  const firstStep = options.firstStep ?? timeStep(now) - TOTP_DRIFT_STEPS;
  const lastStep = timeStep(now + ttlSeconds) + TOTP_DRIFT_STEPS;
  const key = await codeMacKey(SECRET_KEY);
  const macs: string[] = [];
  for (let step = firstStep; step <= lastStep; step++) macs.push(await codeMacWith(key, id, await hotp(auth.secret, step)));
  const check = { kind: "steps" as const, firstStep, macs };
  const created = await store.createChallenge({ id, userId: auth.user.id, factor: "totp", destination: null, check, ttlSeconds, maxAttempts: CHALLENGE.maxAttempts, resendSeconds: CHALLENGE.resendSeconds, maxSends: CHALLENGE.maxSends }, []);
  expect(created).toMatchObject({ outcome: "created" });
  return { id, step: timeStep(now) };
}

/** A recovery-code sign-in challenge: nothing kept on it, the code is looked up among the account's. */
export async function aRecoveryChallenge(store: AuthStore, user: { id: string }): Promise<string> {
  const id = crypto.randomUUID();
  const created = await store.createChallenge({ id, userId: user.id, factor: "recovery", destination: null, check: { kind: "lookup" }, ...CHALLENGE }, []);
  expect(created).toMatchObject({ outcome: "created" });
  return id;
}
