/**
 * Sessions after sign-in: the token pair, refresh-token rotation with reuse
 * detection, logout, and who a bearer token belongs to.
 */
import type { Caller } from "../types";
import type { Config } from "../config";
import type { Deps } from "../deps";
import { AuthError } from "../errors";
import { nextRefreshToken, parseRefreshToken } from "./refresh-token";
import { AMR, issueAccessToken, LEGACY_AMR, publicJwks, verifyAccessToken, type AccessClaims, type SignInFacts, type TokenSettings } from "./tokens";

export interface TokenView {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export function tokenSettings(config: Config): TokenSettings {
  return {
    secretKey: config.secretKey,
    privateKeyPem: config.jwtPrivateKey,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.ttlSeconds,
    clientId: config.jwt.clientId,
  };
}

/** An access token for `userId` beside the refresh token that was just stored. */
export async function issueTokenPair(deps: Deps, userId: string, facts: SignInFacts, refreshToken: string, refreshExpiresIn: number): Promise<TokenView> {
  return {
    access_token: await issueAccessToken(userId, tokenSettings(deps.config), facts, deps.now?.()),
    token_type: "Bearer",
    expires_in: deps.config.jwt.ttlSeconds,
    refresh_token: refreshToken,
    refresh_expires_in: refreshExpiresIn,
  };
}

/**
 * Rotates a refresh token: a new pair, and the old token dies. Presenting a
 * token that was already rotated revokes the whole family (RFC 9700 reuse
 * detection), except within REFRESH_RETRY_GRACE_SECONDS of its rotation while
 * its successor is still unused: then it is a retry whose answer was lost, and
 * it gets the same new refresh token (recomputed, see refresh-token.ts) with a
 * freshly signed access token. One statement.
 */
export async function refresh(deps: Deps, input: { refreshToken: string }): Promise<TokenView> {
  const parsed = await parseRefreshToken(input.refreshToken);
  if (!parsed) throw new AuthError("invalid_token");
  const next = await nextRefreshToken(parsed, deps.config.secretKey);
  const result = await deps.store.rotateRefresh(parsed.familyId, parsed.hash, next.hash, deps.client, {
    graceSeconds: deps.config.refreshRetryGraceSeconds,
  });
  if (result.outcome === "reused") deps.log("warn", "refresh_token_reuse", { user_family_revoked: true });
  if (result.outcome !== "rotated") throw new AuthError("invalid_token");
  if (result.retried) deps.log("info", "refresh_retried", { within_grace_s: deps.config.refreshRetryGraceSeconds });
  return issueTokenPair(deps, result.userId, result.session, next.token, result.expiresInSeconds);
}

/** Revokes the refresh token's family. Always succeeds for a well-formed token: no oracle. */
export async function logout(deps: Deps, input: { refreshToken: string }): Promise<void> {
  const parsed = await parseRefreshToken(input.refreshToken);
  if (!parsed) throw new AuthError("invalid_token");
  await deps.store.revokeRefresh(parsed.familyId, deps.client);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The claims of a valid access token, or `401 invalid_token`. With `recent`, the
 * sign-in behind it (`auth_time`, which refreshing keeps) must be no older than
 * REAUTH_MAX_AGE_SECONDS, or `403 reauthentication_required`; a token with no
 * `auth_time` is never recent.
 */
export async function authenticate(deps: Deps, bearer: string | undefined, options: { recent?: boolean } = {}): Promise<AccessClaims> {
  if (!bearer) throw new AuthError("invalid_token");
  const now = deps.now?.() ?? Date.now();
  const claims = await verifyAccessToken(bearer, tokenSettings(deps.config), now);
  if (!claims || !UUID.test(claims.sub)) throw new AuthError("invalid_token");
  if (options.recent && (claims.auth_time === undefined || now / 1000 - claims.auth_time > deps.config.reauthMaxAgeSeconds)) {
    throw new AuthError("reauthentication_required");
  }
  return claims;
}

/** Who is calling: the account and the session its token belongs to. */
export function callerOf(claims: AccessClaims): Caller {
  return { userId: claims.sub, sid: claims.sid ?? null };
}

export interface SessionListView {
  id: string;
  created_at: string;
  last_used_at: string | null;
  user_agent: string | null;
  ip_prefix: string | null;
  amr: string[];
  current: boolean;
}

/** The caller's live sessions; `current` marks the one its token belongs to. */
export async function listSessions(deps: Deps, caller: Caller): Promise<{ sessions: SessionListView[] }> {
  const sessions = await deps.store.listSessions(caller);
  if (!sessions) throw new AuthError("invalid_token");
  return {
    sessions: sessions.map((s) => ({
      id: s.id,
      created_at: s.createdAt,
      last_used_at: s.lastUsedAt,
      user_agent: s.userAgent,
      ip_prefix: s.ipPrefix,
      amr: [...(s.factor ? AMR[s.factor] : LEGACY_AMR)],
      current: s.id === caller.sid,
    })),
  };
}

/** Ends one of the caller's sessions at once: its next refresh fails. Another account's id is simply not found. */
export async function revokeSession(deps: Deps, caller: Caller, sid: string): Promise<void> {
  const result = await deps.store.revokeSession(caller, sid, deps.client);
  if (result === "dead_caller") throw new AuthError("invalid_token");
  if (result === "not_found") throw new AuthError("not_found", {}, { message: "No such session on this account." });
}

/** Ends every session of the account, the caller's own included. */
export async function logoutAll(deps: Deps, caller: Caller): Promise<void> {
  if (!(await deps.store.revokeAllSessions(caller, deps.client))) throw new AuthError("invalid_token");
}

/** The JWKS for other services, or null when tokens are HS256 (nothing public to publish). */
export function jwks(config: Config) {
  return publicJwks({ secretKey: config.secretKey, privateKeyPem: config.jwtPrivateKey });
}
