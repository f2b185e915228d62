/**
 * Managing second factors while signed in: enrol and confirm an authenticator
 * app, list factors, remove the app, regenerate recovery codes. Each needs a
 * recent sign-in except the list. A wrong code here answers 400 (on a route
 * that takes a bearer token, 401 means only that the token is bad) and counts
 * like any wrong code.
 */
import type { Deps } from "../deps";
import { maskDestination } from "../delivery";
import { notify } from "../delivery/notices";
import { AuthError } from "../errors";
import { sealSecret } from "../secret-box";
import type { Caller } from "../types";
import { factorKeyring, recoveryMacForStorage, totpContext, openTotpSecret } from "./keys";
import { generateRecoveryCodes } from "./recovery/codes";
import { base32Encode, matchTotp, newTotpSecret, otpauthUri } from "./totp/rfc6238";
import { TOTP_DRIFT_STEPS } from "./totp";
import type { FactorRow } from "./store";

export interface FactorView {
  id: string;
  type: FactorRow["type"];
  status: FactorRow["status"];
  destination: string | null;
  created_at: string;
  last_used_at: string | null;
}

function view(row: FactorRow): FactorView {
  const destination = row.destination === null ? null : maskDestination(row.type === "sms" ? "sms" : "email", row.destination);
  return { id: row.id, type: row.type, status: row.status, destination, created_at: row.createdAt, last_used_at: row.lastUsedAt };
}

/** A fresh secret, pending until its first code is confirmed; shown once, as base32 and as an otpauth:// URI. */
export async function enrolTotp(deps: Deps, caller: Caller) {
  const ring = await factorKeyring(deps.config);
  const id = crypto.randomUUID();
  const secret = newTotpSecret();
  const sealed = await sealSecret(ring, secret, totpContext(id));
  const result = await deps.store.enrolTotp(caller, { id, secretSealed: sealed.sealed, keyId: sealed.keyId });
  if (result.status === "dead_caller") throw new AuthError("invalid_token");
  if (result.status === "exists") throw new AuthError("factor_exists");
  deps.log("info", "factor_enrolment_started", { user_id: caller.userId, factor: "totp" });
  return {
    factor_id: id,
    secret: base32Encode(secret),
    otpauth_uri: otpauthUri({ issuer: deps.config.totp.issuer, account: result.email, secret }),
  };
}

/** Activates the pending authenticator with its first code; the first time, also hands out recovery codes, once. */
export async function confirmTotp(deps: Deps, caller: Caller, code: string) {
  const { config, store } = deps;
  const ring = await factorKeyring(config);
  const pending = await store.pendingTotp(caller, config.otp.maxAttempts);
  if (pending === "dead_caller") throw new AuthError("invalid_token");
  if (!pending) throw new AuthError("factor_not_found");
  const secret = await openTotpSecret(ring, pending);
  const step = await matchTotp(secret, code, (deps.now?.() ?? Date.now()) / 1000, TOTP_DRIFT_STEPS);
  if (step === null) {
    const failed = await store.failTotpConfirmation(caller.userId, pending.id, config.otp.maxAttempts, config.lockout);
    if (!failed) throw new AuthError("factor_not_found");
    throw new AuthError("invalid_code", { attempts_remaining: failed.attemptsRemaining }, { status: 400 });
  }
  const codes = generateRecoveryCodes();
  const macs = await Promise.all(codes.map((c) => recoveryMacForStorage(ring, c)));
  const confirmed = await store.confirmTotp(caller.userId, pending.id, step, config.otp.maxAttempts, { macs, keyId: ring.current.id }, deps.client);
  if (confirmed.outcome === "gone") throw new AuthError("factor_not_found");
  deps.log("info", "factor_enrolled", { user_id: caller.userId, factor: "totp" });
  await notify(deps, caller.userId, "factor_enrolled");
  return {
    factor: { id: pending.id, type: "totp" as const, status: "active" as const, destination: null },
    recovery_codes: confirmed.recoveryCodesCreated ? codes : [],
  };
}

export async function listFactors(deps: Deps, caller: Caller) {
  const listed = await deps.store.listFactors(caller);
  if (!listed) throw new AuthError("invalid_token");
  return { factors: listed.factors.map(view), recovery_codes_remaining: listed.recoveryRemaining };
}

export async function removeTotp(deps: Deps, caller: Caller): Promise<void> {
  const removed = await deps.store.removeTotp(caller, deps.client);
  if (removed === "dead_caller") throw new AuthError("invalid_token");
  if (removed === "none") throw new AuthError("factor_not_found");
  deps.log("info", "factor_removed", { user_id: caller.userId, factor: "totp" });
  await notify(deps, caller.userId, "factor_removed");
}

/** Ten new recovery codes; the old ones stop working in the same statement. */
export async function regenerateRecoveryCodes(deps: Deps, caller: Caller) {
  const ring = await factorKeyring(deps.config);
  const codes = generateRecoveryCodes();
  const macs = await Promise.all(codes.map((c) => recoveryMacForStorage(ring, c)));
  if (!(await deps.store.replaceRecoveryCodes(caller, { macs, keyId: ring.current.id }, deps.client))) throw new AuthError("invalid_token");
  deps.log("info", "recovery_codes_regenerated", { user_id: caller.userId });
  await notify(deps, caller.userId, "recovery_codes_regenerated");
  return { recovery_codes: codes };
}
