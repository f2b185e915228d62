/** A fresh code for a live challenge; the old code stops working in the same statement. */
import type { Deps } from "../deps";
import { maskDestination, senderFor } from "../delivery";
import { dispatchCode, requireSender } from "../delivery/dispatch";
import { AuthError } from "../errors";
import { codeMac, generateCode } from "../factors/oob/code";
import { rateLimited } from "../limits";
import type { ChallengeView } from "./login";

export async function resend(deps: Deps, input: { challengeId: string }): Promise<Omit<ChallengeView, "factors">> {
  const { config, store } = deps;
  // With no channel deliverable, refuse before the old code is replaced. (The
  // challenge's own channel is known only after the statement; a channel that
  // was configured at login and removed since is the one case left.)
  if (!senderFor("email", config) && !senderFor("sms", config)) requireSender("email", deps);
  const code = generateCode();
  const result = await store.renewChallenge(input.challengeId, await codeMac(config.secretKey, input.challengeId, code), {
    ttlSeconds: config.otp.ttlSeconds,
    resendSeconds: config.otp.resendSeconds,
    maxSends: config.otp.maxSends,
    codesAccount: config.rateLimits.codesAccount,
    smsNumber: config.rateLimits.smsNumber,
  });
  if (result.outcome === "gone") throw new AuthError("challenge_expired");
  if (result.outcome === "not_resendable") throw new AuthError("resend_unavailable");
  if (result.outcome === "too_soon") {
    throw new AuthError("resend_too_soon", { retry_after: result.retryAfterSeconds }, {
      headers: { "retry-after": String(result.retryAfterSeconds) },
    });
  }
  if (result.outcome === "send_limit") {
    const wait = Math.max(1, config.otp.resendSeconds);
    throw new AuthError("rate_limited", { retry_after: wait }, {
      message: "Too many codes for this challenge. Log in again.",
      headers: { "retry-after": String(wait) },
    });
  }
  if (result.outcome === "rate_limited") throw rateLimited(result.retryAfterSeconds);
  await dispatchCode(deps, requireSender(result.channel, deps), {
    challengeId: input.challengeId,
    send: result.send,
    to: result.destination,
    code,
    purpose: "sign_in",
    locale: result.locale,
  });
  return {
    challenge_id: input.challengeId,
    channel: result.channel,
    destination: maskDestination(result.channel, result.destination),
    expires_in: result.expiresInSeconds,
    resend_after: config.otp.resendSeconds,
  };
}
