/**
 * The second factor's one shared verify path, whatever the factor: one atomic
 * statement counts the client's attempt, decides (an e-mail or SMS code's MAC,
 * an authenticator step not used before, an unused recovery code), updates the
 * account's streak of wrong codes (growing waits, the lock), and on success
 * opens the refresh-token family; the access token is then signed without
 * touching the database.
 */
import type { Deps } from "../deps";
import { notify } from "../delivery/notices";
import { AuthError } from "../errors";
import { presentedRecoveryMacs } from "../factors/keys";
import { codeMac, isCodeShaped } from "../factors/oob/code";
import { hit, rateLimited } from "../limits";
import { newRefreshToken } from "../session/refresh-token";
import { issueTokenPair, type TokenView } from "../session/session";

export async function verify(deps: Deps, input: { challengeId: string; code: string }): Promise<TokenView> {
  const { config, store } = deps;
  // A code of the wrong shape is still a failed attempt: it is counted like any other guess.
  const digits = isCodeShaped(input.code) ? input.code : "";
  const refresh = await newRefreshToken();
  const proof = {
    mac: await codeMac(config.secretKey, input.challengeId, digits),
    recoveryMacs: await presentedRecoveryMacs(config, input.code),
  };
  const result = await store.consumeChallenge(input.challengeId, proof, {
    ipHit: hit("verify_ip", deps.clientIp, config.rateLimits.verifyIp),
    refresh: { familyId: refresh.familyId, sid: crypto.randomUUID(), tokenHash: refresh.hash, ttlSeconds: config.refreshTtlSeconds, client: deps.client },
    lockout: config.lockout,
    client: deps.client,
  });
  if (result.outcome === "rate_limited") throw rateLimited(result.retryAfterSeconds);
  if (result.outcome === "gone") throw new AuthError("challenge_expired");
  if (result.outcome === "wrong_code") throw new AuthError("invalid_code", { attempts_remaining: result.attemptsRemaining });

  deps.log("info", "challenge_verified", { challenge_id: input.challengeId, user_id: result.userId, factor: result.factor });
  if (result.factor === "recovery") await notify(deps, result.userId, "recovery_code_used");
  return issueTokenPair(deps, result.userId, { authTime: result.authTime, factor: result.factor, sid: result.sid }, refresh.token, config.refreshTtlSeconds);
}
