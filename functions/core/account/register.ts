/** Registration: a new account with an e-mail, a password and an optional phone. */
import type { Deps } from "../deps";
import { AuthError } from "../errors";
import { hit, throwIfLimited } from "../limits";
import { hashPassword, isCommonPassword } from "./password";
import type { UserRecord } from "./store";

/** Creates an account. The e-mail arrives trimmed and lowercased from validation. */
export async function register(deps: Deps, input: { email: string; password: string; phone?: string }): Promise<UserRecord> {
  if (isCommonPassword(input.password)) {
    throw new AuthError("invalid_request", { details: [{ field: "password", message: "This password is too common." }] });
  }
  // Counted before hashing, so a flood of sign-ups cannot burn CPU.
  throwIfLimited(await deps.store.hitRateLimits([hit("register_ip", deps.clientIp, deps.config.rateLimits.registerIp)]));
  const passwordHash = await hashPassword(input.password, deps.config.pepper, deps.config.passwordIterations);
  const user = await deps.store.createUser({ id: crypto.randomUUID(), email: input.email, phone: input.phone ?? null, passwordHash });
  if (!user) throw new AuthError("email_taken");
  return user;
}
