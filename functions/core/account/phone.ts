/**
 * Changing the account's phone: a code by SMS to the NEW number, which becomes
 * the account's (verified) only when that code comes back. Until then the new
 * number gets no sign-in code and the old one stays in use. Each code counts
 * toward the account's codes and the number's SMS, so this cannot pump SMS.
 * The code is bound to this account's pending change; a new request replaces it.
 */
import type { Deps } from "../deps";
import { maskDestination } from "../delivery";
import { dispatchCode, requireSender } from "../delivery/dispatch";
import { notify } from "../delivery/notices";
import { AuthError } from "../errors";
import { codeMac, generateCode, isCodeShaped } from "../factors/oob/code";
import { hit, rateLimited } from "../limits";
import type { Caller } from "../types";

/** What a phone-change code is bound to: the account's one pending change. */
function binding(caller: Caller): string {
  return `phone-change:${caller.userId}`;
}

export async function changePhone(deps: Deps, caller: Caller, input: { phone: string }): Promise<{ destination: string; expires_in: number }> {
  const { config } = deps;
  const sender = requireSender("sms", deps);
  const id = crypto.randomUUID();
  const code = generateCode();
  const started = await deps.store.startPhoneChange(caller, {
    id,
    phone: input.phone,
    codeMac: await codeMac(config.secretKey, binding(caller), code),
    ttlSeconds: config.otp.ttlSeconds,
    maxAttempts: config.otp.maxAttempts,
    hits: [
      hit("codes_account", caller.userId, config.rateLimits.codesAccount),
      hit("sms_number", input.phone, config.rateLimits.smsNumber),
      hit("sms_ip", deps.clientIp, config.rateLimits.smsIp),
    ],
  });
  if (started.outcome === "dead_caller") throw new AuthError("invalid_token");
  if (started.outcome === "rate_limited") throw rateLimited(started.retryAfterSeconds);
  await dispatchCode(deps, sender, { challengeId: id, send: 1, to: input.phone, code, purpose: "phone_change", locale: started.locale });
  return { destination: maskDestination("sms", input.phone), expires_in: config.otp.ttlSeconds };
}

export async function confirmPhone(deps: Deps, caller: Caller, input: { code: string }): Promise<void> {
  const mac = await codeMac(deps.config.secretKey, binding(caller), isCodeShaped(input.code) ? input.code : "");
  const result = await deps.store.confirmPhoneChange(caller, mac, deps.client);
  if (result.outcome === "dead_caller") throw new AuthError("invalid_token");
  if (result.outcome === "nothing_pending") throw new AuthError("no_pending_change");
  if (result.outcome === "wrong_code") throw new AuthError("invalid_code", { attempts_remaining: result.attemptsRemaining }, { status: 400 });
  deps.log("info", "phone_changed", { user_id: caller.userId });
  await notify(deps, caller.userId, "phone_changed");
}
