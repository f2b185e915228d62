/**
 * The first factor, then the start of the second: check the password, and
 * start a challenge for the factor the client chose (or the account's
 * strongest). Two statements on success: the login counters with the account
 * read, then the challenge's own counters with its insert. Unknown e-mail,
 * wrong password and locked account are indistinguishable, in body and in work.
 */
import { dummyHash, verifyPassword } from "../account/password";
import type { Deps } from "../deps";
import { maskDestination } from "../delivery";
import { dispatchCode, requireSender } from "../delivery/dispatch";
import { recordFailedLogin } from "../delivery/notices";
import { AuthError } from "../errors";
import { factorFor, usableFactors } from "../factors";
import { hit, rateLimited, throwIfLimited } from "../limits";
import { challengeIdFor } from "./idempotency";
import type { FactorType } from "../types";
import type { SignInAccount } from "./store";

export interface ChallengeView {
  challenge_id: string;
  channel: FactorType;
  /** Masked; null when nothing is sent (authenticator app, recovery code). */
  destination: string | null;
  expires_in: number;
  /** Seconds before a resend; null when the challenge sends nothing. */
  resend_after: number | null;
  /** The factors this account can sign in with now, so a client can offer another. */
  factors: FactorType[];
}

const UNAVAILABLE: Record<FactorType, string> = {
  email: "This account signs in with its authenticator app; use it or a recovery code.",
  sms: "This account has no phone number for SMS codes, or signs in with its authenticator app.",
  totp: "This account has no authenticator app.",
  recovery: "This account has no unused recovery codes.",
};

export interface LoginInput {
  email: string;
  password: string;
  channel?: FactorType;
  /** The client's Idempotency-Key: a retry with the same key gets the same challenge (./idempotency.ts). */
  idempotencyKey?: string | null;
}

export async function login(deps: Deps, input: LoginInput): Promise<ChallengeView> {
  const { config, store } = deps;
  // Refuse an unconfigured channel before any work, identically for every account.
  if (input.channel === "email" || input.channel === "sms") requireSender(input.channel, deps);

  const { rate, user, dbNowSeconds } = await store.findUserForLogin(input.email, [
    hit("login_account", input.email, config.rateLimits.loginAccount),
    hit("login_ip", deps.clientIp, config.rateLimits.loginIp),
  ]);
  throwIfLimited(rate);
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? dummyHash(config.passwordIterations), config.pepper);
  if (!user || !passwordOk || user.locked) {
    // One queued message for every failure, known address or not: the same work; only an account's own log shows it.
    await recordFailedLogin(deps, input.email);
    throw new AuthError("invalid_credentials");
  }
  // Everything below is shown only to someone who has the password.
  if (user.waitSeconds > 0) throw rateLimited(user.waitSeconds);

  const usable = usableFactors(user, config);
  const type = input.channel ?? (usable.includes("totp") ? "totp" : "email");
  if (!usable.includes(type)) throw new AuthError("channel_unavailable", { factors: usable }, { message: UNAVAILABLE[type] });
  return startChallenge(deps, user, type, usable, dbNowSeconds, input.idempotencyKey ?? null);
}

async function startChallenge(deps: Deps, account: SignInAccount, type: FactorType, usable: FactorType[], dbNowSeconds: number, idempotencyKey: string | null): Promise<ChallengeView> {
  const { config } = deps;
  const sender = type === "email" || type === "sms" ? requireSender(type, deps) : null;
  const challengeId = idempotencyKey ? await challengeIdFor(config.secretKey, account.id, type, idempotencyKey) : crypto.randomUUID();
  const started = await factorFor(type).start({ config, clientIp: deps.clientIp, challengeId, dbNowSeconds }, account);
  const created = await deps.store.createChallenge(
    {
      id: challengeId,
      userId: account.id,
      factor: type,
      destination: started.destination,
      check: started.check,
      ttlSeconds: config.otp.ttlSeconds,
      maxAttempts: config.otp.maxAttempts,
      resendSeconds: config.otp.resendSeconds,
      maxSends: config.otp.maxSends,
    },
    started.hits,
    started.cooldownHits,
  );
  if (created.outcome === "rate_limited") throw rateLimited(created.retryAfterSeconds);
  if (created.outcome === "conflict") throw new AuthError("idempotency_conflict");
  // A replayed challenge sends nothing more (its factor sends none, or it is at its last send).
  if (started.delivery && sender && created.send !== null) {
    await dispatchCode(deps, sender, { challengeId, send: created.send, to: started.delivery.to, code: started.delivery.code, purpose: "sign_in", locale: account.locale });
  }

  return {
    challenge_id: challengeId,
    channel: type,
    destination: started.delivery ? maskDestination(started.delivery.channel, started.delivery.to) : null,
    expires_in: created.expiresInSeconds,
    resend_after: started.delivery ? created.resendAfterSeconds : null,
    factors: usable,
  };
}
