/**
 * The login + second-factor flow, in one place. Handlers validate input and
 * map results to HTTP; everything that decides who gets a token is here.
 * No Hono, no SQL: state goes through the AuthStore, time through the database.
 */
import type { Config, RateLimit } from "./config";
import { senderFor, maskDestination, DeliveryError, type Sender } from "./delivery";
import { sealJob, type DeliveryJob } from "./delivery/job";
import { AuthError } from "./errors";
import { codeMac, generateCode, isCodeShaped } from "./otp";
import { dummyHash, hashPassword, isCommonPassword, verifyPassword } from "./password";
import { newRefreshToken, parseRefreshToken } from "./refresh";
import type { AuthStore, Channel, RateHit, RateVerdict, UserRecord } from "./store";
import { issueAccessToken, publicJwks, verifyAccessToken, type TokenSettings } from "./tokens";

/** Structured log line; callers never pass codes, passwords or tokens. */
export type Log = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export interface FlowDeps {
  config: Config;
  store: AuthStore;
  log: Log;
  /** The client's address (CF-Connecting-IP), for per-IP limits. */
  clientIp: string;
  /** Puts a delivery job on the queue; without it codes are sent on the request path. */
  enqueue?: (job: DeliveryJob) => Promise<void>;
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
  refresh_token: string;
  refresh_expires_in: number;
}

function hit(name: string, subject: string, limit: RateLimit): RateHit {
  return { key: `${name}:${subject}`, limit: limit.limit, windowSeconds: limit.windowSeconds };
}

function rateLimited(retryAfterSeconds: number): AuthError {
  return new AuthError("rate_limited", { retry_after: retryAfterSeconds }, { headers: { "retry-after": String(retryAfterSeconds) } });
}

function throwIfLimited(verdict: RateVerdict): void {
  if (verdict.limited) throw rateLimited(verdict.retryAfterSeconds);
}

/** Creates an account. The e-mail arrives trimmed and lowercased from validation. */
export async function register(
  deps: FlowDeps,
  input: { email: string; password: string; phone?: string },
): Promise<UserRecord> {
  if (isCommonPassword(input.password)) {
    throw new AuthError("invalid_request", { details: [{ field: "password", message: "This password is too common." }] });
  }
  // Counted before hashing, so a flood of sign-ups cannot burn CPU.
  throwIfLimited(await deps.store.hitRateLimits([hit("register_ip", deps.clientIp, deps.config.rateLimits.registerIp)]));
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
 * Hands a code to the delivery queue and returns at once, so no answer waits on
 * SendGrid or Twilio (and a login that sends a code takes no longer than one
 * that fails). Without a queue, or if enqueueing fails, the code is sent here;
 * if the provider fails, the challenge is revoked and the caller gets
 * `delivery_failed`.
 */
async function dispatch(deps: FlowDeps, sender: Sender, challengeId: string, send: number, to: string, code: string): Promise<void> {
  if (deps.enqueue) {
    try {
      await deps.enqueue(await sealJob(deps.config.secretKey, challengeId, send, code));
      deps.log("info", "code_queued", { challenge_id: challengeId, send, channel: sender.channel });
      return;
    } catch (error) {
      deps.log("warn", "enqueue_failed", { challenge_id: challengeId, error: error instanceof Error ? error.name : "error" });
    }
  }
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
 * First factor. Two statements on success: the login counters with the account
 * read, then the code counters with the challenge insert. Unknown e-mail, wrong
 * password and locked account are indistinguishable, in body and in time.
 */
export async function login(
  deps: FlowDeps,
  input: { email: string; password: string; channel: Channel },
): Promise<ChallengeView> {
  const { config, store } = deps;
  // Refuse an unconfigured channel before any work, identically for every account.
  const sender = requireSender(input.channel, config);

  const { rate, user } = await store.findUserForLogin(input.email, [
    hit("login_account", input.email, config.rateLimits.loginAccount),
    hit("login_ip", deps.clientIp, config.rateLimits.loginIp),
  ]);
  throwIfLimited(rate);
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? dummyHash(config.passwordIterations), config.pepper);
  if (!user || !passwordOk || user.locked) throw new AuthError("invalid_credentials");
  // Only someone with the password learns about the wait: it follows wrong second factors.
  if (user.waitSeconds > 0) throw rateLimited(user.waitSeconds);

  const destination = input.channel === "email" ? user.email : user.phone;
  if (!destination) throw new AuthError("channel_unavailable", {}, { message: "This account has no phone number for SMS codes." });

  const challengeId = crypto.randomUUID();
  const code = generateCode();
  const codeHits = [
    hit("codes_account", user.id, config.rateLimits.codesAccount),
    hit("code_cooldown", user.id, { limit: 1, windowSeconds: config.otp.resendSeconds || 1 }),
  ];
  if (input.channel === "sms") {
    // Per number and per client: phones are not verified, so many accounts with
    // many premium numbers from one client must not pump SMS either.
    codeHits.push(hit("sms_number", destination, config.rateLimits.smsNumber), hit("sms_ip", deps.clientIp, config.rateLimits.smsIp));
  }
  throwIfLimited(
    await store.createChallenge(
      {
        id: challengeId,
        userId: user.id,
        channel: input.channel,
        destination,
        codeMac: await codeMac(config.secretKey, challengeId, code),
        ttlSeconds: config.otp.ttlSeconds,
        maxAttempts: config.otp.maxAttempts,
        resendSeconds: config.otp.resendSeconds,
      },
      codeHits,
    ),
  );
  await dispatch(deps, sender, challengeId, 1, destination, code);

  return {
    challenge_id: challengeId,
    channel: input.channel,
    destination: maskDestination(input.channel, destination),
    expires_in: config.otp.ttlSeconds,
    resend_after: config.otp.resendSeconds,
  };
}

/**
 * Second factor: one atomic statement counts the attempt, decides, and on
 * success opens the refresh-token family; the access token is then signed
 * without touching the database.
 */
export async function verify(deps: FlowDeps, input: { challengeId: string; code: string }): Promise<TokenView> {
  const { config, store } = deps;
  // A code of the wrong shape is still a failed attempt: it is counted like any other guess.
  const code = isCodeShaped(input.code) ? input.code : "";
  const refresh = await newRefreshToken();
  const result = await store.consumeChallenge(input.challengeId, await codeMac(config.secretKey, input.challengeId, code), {
    ipHit: hit("verify_ip", deps.clientIp, config.rateLimits.verifyIp),
    refresh: { familyId: refresh.familyId, tokenHash: refresh.hash, ttlSeconds: config.refreshTtlSeconds },
    lockout: config.lockout,
  });
  if (result.outcome === "rate_limited") throw rateLimited(result.retryAfterSeconds);
  if (result.outcome === "gone") throw new AuthError("challenge_expired");
  if (result.outcome === "wrong_code") throw new AuthError("invalid_code", { attempts_remaining: result.attemptsRemaining });

  deps.log("info", "challenge_verified", { challenge_id: input.challengeId, user_id: result.userId });
  return tokenPair(deps, result.userId, refresh.token, config.refreshTtlSeconds);
}

async function tokenPair(deps: FlowDeps, userId: string, refreshToken: string, refreshExpiresIn: number): Promise<TokenView> {
  return {
    access_token: await issueAccessToken(userId, tokenSettings(deps.config), deps.now?.()),
    token_type: "Bearer",
    expires_in: deps.config.jwt.ttlSeconds,
    refresh_token: refreshToken,
    refresh_expires_in: refreshExpiresIn,
  };
}

/** Sends a fresh code for a live challenge; the old code stops working in the same statement. */
export async function resend(deps: FlowDeps, input: { challengeId: string }): Promise<ChallengeView> {
  const { config, store } = deps;
  // With no channel deliverable, refuse before the old code is replaced. (The
  // challenge's own channel is known only after the statement; a channel that
  // was configured at login and removed since is the one case left.)
  if (!senderFor("email", config) && !senderFor("sms", config)) requireSender("email", config);
  const code = generateCode();
  const result = await store.renewChallenge(input.challengeId, await codeMac(config.secretKey, input.challengeId, code), {
    ttlSeconds: config.otp.ttlSeconds,
    resendSeconds: config.otp.resendSeconds,
    maxSends: config.otp.maxSends,
    codesAccount: config.rateLimits.codesAccount,
    smsNumber: config.rateLimits.smsNumber,
  });
  if (result.outcome === "gone") throw new AuthError("challenge_expired");
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
  await dispatch(deps, requireSender(result.channel, config), input.challengeId, result.send, result.destination, code);
  return {
    challenge_id: input.challengeId,
    channel: result.channel,
    destination: maskDestination(result.channel, result.destination),
    expires_in: result.expiresInSeconds,
    resend_after: config.otp.resendSeconds,
  };
}

/**
 * Rotates a refresh token: a new pair, and the old token dies. Presenting a
 * token that was already rotated revokes the whole family (RFC 9700 reuse
 * detection). One statement.
 */
export async function refresh(deps: FlowDeps, input: { refreshToken: string }): Promise<TokenView> {
  const parsed = await parseRefreshToken(input.refreshToken);
  if (!parsed) throw new AuthError("invalid_token");
  const next = await newRefreshToken(parsed.familyId);
  const result = await deps.store.rotateRefresh(parsed.familyId, parsed.hash, next.hash);
  if (result.outcome === "reused") deps.log("warn", "refresh_token_reuse", { user_family_revoked: true });
  if (result.outcome !== "rotated") throw new AuthError("invalid_token");
  return tokenPair(deps, result.userId, next.token, result.expiresInSeconds);
}

/** Revokes the refresh token's family. Always succeeds for a well-formed token: no oracle. */
export async function logout(deps: FlowDeps, input: { refreshToken: string }): Promise<void> {
  const parsed = await parseRefreshToken(input.refreshToken);
  if (!parsed) throw new AuthError("invalid_token");
  await deps.store.revokeRefresh(parsed.familyId);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The user behind a valid access token. */
export async function me(deps: FlowDeps, bearer: string | undefined): Promise<UserRecord> {
  if (!bearer) throw new AuthError("invalid_token");
  const claims = await verifyAccessToken(bearer, tokenSettings(deps.config), deps.now?.());
  if (!claims || !UUID.test(claims.sub)) throw new AuthError("invalid_token");
  const user = await deps.store.findUserById(claims.sub);
  if (!user) throw new AuthError("invalid_token");
  return user;
}

/** The JWKS for other services, or null when tokens are HS256 (nothing public to publish). */
export function jwks(config: Config) {
  return publicJwks({ secretKey: config.secretKey, privateKeyPem: config.jwtPrivateKey });
}

function tokenSettings(config: Config): TokenSettings {
  return {
    secretKey: config.secretKey,
    privateKeyPem: config.jwtPrivateKey,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.ttlSeconds,
  };
}
