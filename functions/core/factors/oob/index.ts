/**
 * Out-of-band codes: a random 6-digit code sent by e-mail or SMS. What the
 * challenge keeps is the code's MAC, bound to the challenge; every code sent
 * counts against the account (and for SMS against the number and the client),
 * so sign-in cannot be used to pump messages.
 *
 * NIST SP 800-63B-4: e-mail is not an accepted out-of-band authenticator
 * (§3.1.3.1) and SMS is "restricted" (§3.1.3.3); see the README's security model.
 */
import { hit } from "../../limits";
import type { Channel } from "../../types";
import type { Factor, StartContext } from "../types";
import { codeMac, generateCode } from "./code";

/** The counters every sent code bumps: per account, and for SMS the number and the client. */
function sendHits(ctx: StartContext, channel: Channel, userId: string, destination: string) {
  const { rateLimits } = ctx.config;
  const hits = [hit("codes_account", userId, rateLimits.codesAccount)];
  // Per number and per client: phones are not verified, so many accounts with
  // many premium numbers from one client must not pump SMS either.
  if (channel === "sms") hits.push(hit("sms_number", destination, rateLimits.smsNumber), hit("sms_ip", ctx.clientIp, rateLimits.smsIp));
  return hits;
}

/** The cooldown between two new challenges of an account (a retried login's challenge is not new). */
function cooldownHits(ctx: StartContext, userId: string) {
  return [hit("code_cooldown", userId, { limit: 1, windowSeconds: ctx.config.otp.resendSeconds || 1 })];
}

function outOfBand(channel: Channel, destinationOf: (account: { email: string; phone: string | null }) => string | null): Factor {
  return {
    type: channel,
    held: (account) => destinationOf(account) !== null,
    async start(ctx, account) {
      const destination = destinationOf(account)!;
      const code = generateCode();
      return {
        destination,
        check: { kind: "mac", mac: await codeMac(ctx.config.secretKey, ctx.challengeId, code) },
        hits: sendHits(ctx, channel, account.id, destination),
        cooldownHits: cooldownHits(ctx, account.id),
        delivery: { channel, to: destination, code },
      };
    },
  };
}

export const emailFactor = outOfBand("email", (account) => account.email);
export const smsFactor = outOfBand("sms", (account) => account.phone);
