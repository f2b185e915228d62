/**
 * Password reset, without bypassing the second factor (OWASP ASVS 5.0 §6.4.3):
 * a code to the account's e-mail, then a new password. The reset signs nobody
 * in; it revokes every session, and the next sign-in asks for the password and
 * then the second factor as usual. Wrong codes count per reset and per client
 * only, never toward the account's sign-in streak: knowing an address must not
 * be enough to lock its account. The sign-in streak, wait and lock are left as
 * they are (NIST SP 800-63B-4 §3.1.3.2: a new secret does not reset them).
 */
import type { Deps } from "../deps";
import { dispatchCode, requireSender } from "../delivery/dispatch";
import { RESET_TTL_SECONDS, sealJob } from "../delivery/job";
import { notify } from "../delivery/notices";
import { AuthError } from "../errors";
import { codeMac, generateCode, isCodeShaped } from "../factors/oob/code";
import { hit, rateLimited } from "../limits";
import { hashPassword } from "./password";
import { refuseBreachedPassword, refuseCommonPassword } from "./password-policy";

/**
 * `POST /auth/password/forgot`: the same 202 and the same work for every
 * address. A random reset id for an unknown one; past the per-account limit or
 * inside the 60 s cooldown, the same 202 and nothing sent (a 429 there would say
 * the account exists). Only the per-client limit may answer 429: it is the same
 * for every address. With the queue, a sealed job is queued either way, so the
 * request does the same thing whether or not a code is sent.
 */
export async function forgotPassword(deps: Deps, input: { email: string }): Promise<{ reset_id: string; expires_in: number }> {
  const { config } = deps;
  const sender = requireSender("email", deps);
  const id = crypto.randomUUID();
  const code = generateCode();
  const started = await deps.store.startReset({
    id,
    email: input.email,
    codeMac: await codeMac(config.secretKey, id, code),
    ttlSeconds: RESET_TTL_SECONDS,
    maxAttempts: config.otp.maxAttempts,
    ipHit: hit("reset_ip", deps.clientIp, config.rateLimits.resetIp),
    accountHits: [
      hit("reset_account", input.email, config.rateLimits.resetAccount),
      hit("reset_cooldown", input.email, { limit: 1, windowSeconds: Math.max(1, config.otp.resendSeconds) }),
    ],
  });
  if (started.outcome === "ip_limited") throw rateLimited(started.retryAfterSeconds);
  const delivery = { challengeId: id, send: 1, to: input.email, code, purpose: "password_reset" as const, locale: started.outcome === "started" ? started.locale : config.defaultLocale };
  if (started.outcome === "started") {
    try {
      await dispatchCode(deps, sender, delivery);
    } catch (error) {
      // Only the direct path (no queue) can fail here; a 502 would tell that the account exists.
      if (!(error instanceof AuthError)) throw error;
      deps.log("warn", "reset_code_not_sent", { reset_id: id });
    }
  } else if (deps.enqueue) {
    // A job whose challenge does not exist: the consumer's claim finds nothing and sends nothing.
    await deps.enqueue(await sealJob(config.secretKey, id, 1, code)).catch(() => {});
  }
  return { reset_id: id, expires_in: RESET_TTL_SECONDS };
}

/** `POST /auth/password/reset`: the code, then the new password; 204 and nobody signed in. */
export async function resetPassword(deps: Deps, input: { resetId: string; code: string; newPassword: string }): Promise<void> {
  const { config, store } = deps;
  refuseCommonPassword(input.newPassword, "new_password");
  const mac = await codeMac(config.secretKey, input.resetId, isCodeShaped(input.code) ? input.code : "");
  // The code first: a guesser never gets us to call the breach API or hash a password.
  const check = await store.checkResetCode(input.resetId, mac, hit("verify_ip", deps.clientIp, config.rateLimits.verifyIp));
  if (check.outcome === "rate_limited") throw rateLimited(check.retryAfterSeconds);
  if (check.outcome === "gone") throw new AuthError("reset_expired");
  if (check.outcome === "wrong_code") throw new AuthError("invalid_code", { attempts_remaining: check.attemptsRemaining });
  await refuseBreachedPassword(deps, input.newPassword, "new_password");
  const passwordHash = await hashPassword(input.newPassword, config.pepper, config.passwordIterations);
  // One statement uses the code and sets the password: of parallel resets with the right code, one wins.
  const done = await store.completeReset(input.resetId, mac, passwordHash, deps.client);
  if (!done) throw new AuthError("reset_expired");
  deps.log("info", "password_reset", { user_id: done.userId });
  await notify(deps, done.userId, "password_reset");
}
