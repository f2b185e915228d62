/**
 * What a new password must be (registration, reset, change), after the field's
 * length rules: not on the common list, and not found in a breach by the Have I
 * Been Pwned range API (NIST SP 800-63B-4 blocklist), where only the first five
 * hex characters of its SHA-1 leave the service. The breach check fails open: a
 * slow or down API logs a warning and lets the password through, because
 * registration must not depend on a third party's uptime.
 */
import type { Deps } from "../deps";
import { AuthError } from "../errors";
import { isBreached } from "./breached";
import { isCommonPassword } from "./password";

/** Time allowed to the breach check before it is skipped. */
export const BREACH_CHECK_TIMEOUT_MS = 1_000;

function refused(message: string, field: string): AuthError {
  return new AuthError("invalid_request", { details: [{ field, message }] });
}

/** Refuses a common password at once; cheap, so it runs before any counter or hash. */
export function refuseCommonPassword(password: string, field = "password"): void {
  if (isCommonPassword(password)) throw refused("This password is too common.", field);
}

/** Refuses a password found in a breach at least BREACHED_PASSWORD_MIN_COUNT times. */
export async function refuseBreachedPassword(deps: Pick<Deps, "config" | "log">, password: string, field = "password"): Promise<void> {
  const check = deps.config.breachedPasswords;
  if (!check) return;
  const result = await isBreached(password, { apiUrl: check.apiUrl, minCount: check.minCount, timeoutMs: BREACH_CHECK_TIMEOUT_MS });
  if ("unavailable" in result) {
    deps.log("warn", "breach_check_unavailable", { reason: result.reason });
    return;
  }
  if (result.breached) throw refused("This password has appeared in a data breach. Choose another one.", field);
}
