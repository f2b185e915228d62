/**
 * The signed-in account: its profile and language, its password, and the
 * user's own data (LGPD): a JSON export and deletion. A wrong current password
 * answers 400 invalid_credentials (on a bearer route 401 means only a bad
 * token) and is counted, and logged, like a failed sign-in.
 */
import type { Deps } from "../deps";
import { recordFailedLogin } from "../delivery/notices";
import { notify } from "../delivery/notices";
import { AuthError } from "../errors";
import { hit, rateLimited } from "../limits";
import type { Caller } from "../types";
import { hashPassword, verifyPassword } from "./password";
import { refuseBreachedPassword, refuseCommonPassword } from "./password-policy";
import type { Profile } from "./store";

export interface ProfileView {
  id: string;
  email: string;
  phone: string | null;
  locale: string;
  email_verified_at: string | null;
  phone_verified_at: string | null;
  created_at: string;
}

export function profileView(profile: Profile): ProfileView {
  return {
    id: profile.id,
    email: profile.email,
    phone: profile.phone,
    locale: profile.locale,
    email_verified_at: profile.emailVerifiedAt,
    phone_verified_at: profile.phoneVerifiedAt,
    created_at: profile.createdAt,
  };
}

export async function profile(deps: Deps, caller: Caller): Promise<ProfileView> {
  const found = await deps.store.findUserById(caller.userId);
  if (!found) throw new AuthError("invalid_token");
  return profileView(found);
}

export async function setLocale(deps: Deps, caller: Caller, locale: string): Promise<ProfileView> {
  const updated = await deps.store.setLocale(caller, locale);
  if (!updated) throw new AuthError("invalid_token");
  return profileView(updated);
}

/** Checks the caller's current password, counted like a sign-in; resolves with the account's e-mail. */
async function requirePassword(deps: Deps, caller: Caller, password: string): Promise<void> {
  const { config } = deps;
  const read = await deps.store.callerPassword(caller, {
    ip: hit("login_ip", deps.clientIp, config.rateLimits.loginIp),
    account: { limit: config.rateLimits.loginAccount.limit, windowSeconds: config.rateLimits.loginAccount.windowSeconds },
  });
  if (read.status === "dead_caller") throw new AuthError("invalid_token");
  if (read.status === "limited") throw rateLimited(read.verdict.retryAfterSeconds);
  if (!(await verifyPassword(password, read.passwordHash, config.pepper))) {
    await recordFailedLogin(deps, read.email);
    throw new AuthError("invalid_credentials", {}, { status: 400, message: "The current password is incorrect." });
  }
}

/** A new password; every other session of the account ends, the caller's own survives. */
export async function changePassword(deps: Deps, caller: Caller, input: { currentPassword: string; newPassword: string }): Promise<void> {
  refuseCommonPassword(input.newPassword, "new_password");
  await requirePassword(deps, caller, input.currentPassword);
  await refuseBreachedPassword(deps, input.newPassword, "new_password");
  const passwordHash = await hashPassword(input.newPassword, deps.config.pepper, deps.config.passwordIterations);
  if (!(await deps.store.changePassword(caller, passwordHash, deps.client))) throw new AuthError("invalid_token");
  deps.log("info", "password_changed", { user_id: caller.userId });
  await notify(deps, caller.userId, "password_changed");
}

/** Deletes the account and everything of it at once; its sessions die with it. */
export async function deleteAccount(deps: Deps, caller: Caller, input: { password: string }): Promise<void> {
  await requirePassword(deps, caller, input.password);
  if (!(await deps.store.deleteAccount(caller))) throw new AuthError("invalid_token");
  deps.log("info", "account_deleted", { user_id: caller.userId });
}

/** Everything the service keeps about the account, without a secret. */
export async function exportAccount(deps: Deps, caller: Caller): Promise<Record<string, unknown>> {
  const data = await deps.store.exportAccount(caller);
  if (!data) throw new AuthError("invalid_token");
  return data;
}
