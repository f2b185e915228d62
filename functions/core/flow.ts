/**
 * The login + second-factor flow, in one place. Handlers validate input and
 * map results to HTTP; everything that decides who gets a token is here.
 * No Hono, no SQL: state goes through the AuthStore, time through the database.
 */
import type { Config } from "./config";
import { senderFor, maskDestination, DeliveryError, type Sender } from "./delivery";
import { AuthError } from "./errors";
import { codeMac, generateCode, isCodeShaped } from "./otp";
import { DUMMY_HASH, hashPassword, isCommonPassword, verifyPassword } from "./password";
import type { AuthStore, Channel, UserRecord } from "./store";
import { issueAccessToken, verifyAccessToken } from "./tokens";

/** Structured log line; callers never pass codes, passwords or tokens. */
export type Log = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export interface FlowDeps {
  config: Config;
  store: AuthStore;
  log: Log;
  now?: () => number;
}

export interface ChallengeView {
  challenge_id: string;
  channel: Channel;
  destination: string;
  expires_in: number;
  resend_after: number;
}

export interface TokenView {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
}

/** Creates an account. The e-mail arrives trimmed and lowercased from validation. */
export async function register(
  deps: FlowDeps,
  input: { email: string; password: string; phone?: string },
): Promise<UserRecord> {
  if (isCommonPassword(input.password)) {
    throw new AuthError("invalid_request", { details: [{ field: "password", message: "This password is too common." }] });
  }
  const passwordHash = await hashPassword(input.password, deps.config.pepper, deps.config.passwordIterations);
  const user = await deps.store.createUser({
    id: crypto.randomUUID(),
    email: input.email,
    phone: input.phone ?? null,
    passwordHash,
  });
  if (!user) throw new AuthError("email_taken");
  return user;
}

function requireSender(channel: Channel, config: Config): Sender {
  const sender = senderFor(channel, config);
  if (!sender) {
    throw new AuthError("channel_unavailable", {}, {
      status: 503,
      message: `Sign-in codes by ${channel === "sms" ? "SMS" : "e-mail"} are not available right now.`,
    });
  }
  return sender;
}

/**
 * Sends a code; if the provider fails, the challenge is revoked so it can never
 * be used, and the caller gets `delivery_failed`.
 */
async function deliver(deps: FlowDeps, sender: Sender, challengeId: string, to: string, code: string): Promise<void> {
  try {
    const { messageId } = await sender.send({ to, code, ttlSeconds: deps.config.otp.ttlSeconds });
    deps.log("info", "code_sent", { challenge_id: challengeId, channel: sender.channel, provider_message_id: messageId });
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    deps.log("warn", "delivery_failed", { challenge_id: challengeId, channel: sender.channel, reason: error.reason });
    await deps.store.revokeChallenge(challengeId);
    throw new AuthError("delivery_failed");
  }
}

/**
 * First factor. Two statements on success: read the user, write the challenge.
 * Unknown e-mail and wrong password are indistinguishable, in body and in time.
 */
export async function login(
  deps: FlowDeps,
  input: { email: string; password: string; channel: Channel },
): Promise<ChallengeView> {
  const { config, store } = deps;
  // Refuse an unconfigured channel before any work, identically for every account.
  const sender = requireSender(input.channel, config);

  const user = await store.findUserByEmail(input.email);
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH, config.pepper);
  if (!user || !passwordOk) throw new AuthError("invalid_credentials");

  const destination = input.channel === "email" ? user.email : user.phone;
  if (!destination) throw new AuthError("channel_unavailable", {}, { message: "This account has no phone number for SMS codes." });

  const challengeId = crypto.randomUUID();
  const code = generateCode();
  await store.createChallenge({
    id: challengeId,
    userId: user.id,
    channel: input.channel,
    destination,
    codeMac: await codeMac(config.secretKey, challengeId, code),
    ttlSeconds: config.otp.ttlSeconds,
    maxAttempts: config.otp.maxAttempts,
    resendSeconds: config.otp.resendSeconds,
  });
  await deliver(deps, sender, challengeId, destination, code);

  return {
    challenge_id: challengeId,
    channel: input.channel,
    destination: maskDestination(input.channel, destination),
    expires_in: config.otp.ttlSeconds,
    resend_after: config.otp.resendSeconds,
  };
}

/** Second factor: one atomic statement decides, then a token is signed without touching the database. */
export async function verify(deps: FlowDeps, input: { challengeId: string; code: string }): Promise<TokenView> {
  const { config, store } = deps;
  // A code of the wrong shape is still a failed attempt: it is counted like any other guess.
  const code = isCodeShaped(input.code) ? input.code : "";
  const result = await store.consumeChallenge(input.challengeId, await codeMac(config.secretKey, input.challengeId, code));
  if (result.outcome === "gone") throw new AuthError("challenge_expired");
  if (result.outcome === "wrong_code") throw new AuthError("invalid_code", { attempts_remaining: result.attemptsRemaining });

  const accessToken = await issueAccessToken(result.userId, tokenSettings(config), deps.now?.());
  deps.log("info", "challenge_verified", { challenge_id: input.challengeId, user_id: result.userId });
  return { access_token: accessToken, token_type: "Bearer", expires_in: config.jwt.ttlSeconds };
}

/** Sends a fresh code for a live challenge; the old code stops working in the same statement. */
export async function resend(deps: FlowDeps, input: { challengeId: string }): Promise<ChallengeView> {
  const { config, store } = deps;
  const code = generateCode();
  const result = await store.renewChallenge(input.challengeId, await codeMac(config.secretKey, input.challengeId, code), {
    ttlSeconds: config.otp.ttlSeconds,
    resendSeconds: config.otp.resendSeconds,
    maxSends: config.otp.maxSends,
  });
  if (result.outcome === "gone") throw new AuthError("challenge_expired");
  if (result.outcome === "too_soon") {
    throw new AuthError("resend_too_soon", { retry_after: result.retryAfterSeconds }, {
      headers: { "retry-after": String(result.retryAfterSeconds) },
    });
  }
  if (result.outcome === "send_limit") {
    throw new AuthError("resend_too_soon", {}, { message: "Too many codes for this challenge. Log in again." });
  }
  await deliver(deps, requireSender(result.channel, config), input.challengeId, result.destination, code);
  return {
    challenge_id: input.challengeId,
    channel: result.channel,
    destination: maskDestination(result.channel, result.destination),
    expires_in: result.expiresInSeconds,
    resend_after: config.otp.resendSeconds,
  };
}

/** The user behind a valid access token. */
export async function me(deps: FlowDeps, bearer: string | undefined): Promise<UserRecord> {
  if (!bearer) throw new AuthError("invalid_token");
  const claims = await verifyAccessToken(bearer, tokenSettings(deps.config), deps.now?.());
  if (!claims) throw new AuthError("invalid_token");
  const user = await deps.store.findUserById(claims.sub);
  if (!user) throw new AuthError("invalid_token");
  return user;
}

function tokenSettings(config: Config) {
  return {
    secretKey: config.secretKey,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.ttlSeconds,
  };
}
