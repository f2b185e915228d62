/**
 * The first factor, then the start of the second: check the password, and
 * start a challenge for the factor the client chose. Two statements on
 * success: the login counters with the account read, then the challenge's own
 * counters with its insert. Unknown e-mail, wrong password and locked account
 * are indistinguishable, in body and in work.
 */
import { dummyHash, verifyPassword } from "../account/password";
import type { Deps } from "../deps";
import { maskDestination } from "../delivery";
import { dispatchCode, requireSender } from "../delivery/dispatch";
import { AuthError } from "../errors";
import { factorFor } from "../factors";
import { hit, rateLimited, throwIfLimited } from "../limits";
import type { FactorType } from "../types";

export interface ChallengeView {
  challenge_id: string;
  channel: FactorType;
  destination: string;
  expires_in: number;
  resend_after: number;
}

export async function login(deps: Deps, input: { email: string; password: string; channel: FactorType }): Promise<ChallengeView> {
  const { config, store } = deps;
  // Refuse an unconfigured channel before any work, identically for every account.
  const sender = requireSender(input.channel, deps);

  const { rate, user } = await store.findUserForLogin(input.email, [
    hit("login_account", input.email, config.rateLimits.loginAccount),
    hit("login_ip", deps.clientIp, config.rateLimits.loginIp),
  ]);
  throwIfLimited(rate);
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? dummyHash(config.passwordIterations), config.pepper);
  if (!user || !passwordOk || user.locked) throw new AuthError("invalid_credentials");
  // Only someone with the password learns about the wait: it follows wrong second factors.
  if (user.waitSeconds > 0) throw rateLimited(user.waitSeconds);

  const challengeId = crypto.randomUUID();
  const started = await factorFor(input.channel).start({ config, clientIp: deps.clientIp, challengeId }, user);
  if (!started) throw new AuthError("channel_unavailable", {}, { message: "This account has no phone number for SMS codes." });

  throwIfLimited(
    await store.createChallenge(
      {
        id: challengeId,
        userId: user.id,
        factor: input.channel,
        destination: started.destination,
        check: started.check,
        ttlSeconds: config.otp.ttlSeconds,
        maxAttempts: config.otp.maxAttempts,
        resendSeconds: config.otp.resendSeconds,
      },
      started.hits,
    ),
  );
  if (started.delivery) await dispatchCode(deps, sender, { challengeId, send: 1, to: started.delivery.to, code: started.delivery.code });

  return {
    challenge_id: challengeId,
    channel: input.channel,
    destination: maskDestination(input.channel, started.destination),
    expires_in: config.otp.ttlSeconds,
    resend_after: config.otp.resendSeconds,
  };
}
