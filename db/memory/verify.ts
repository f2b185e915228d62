/**
 * The one verify path of every factor in memory, as consumeChallenge in
 * db/store/signin.ts: what "the right code" means per factor, the challenge's
 * attempts, the account's streak, the session a right code opens, and the
 * security log, decided and written with no await in between.
 */
import type { LockoutPolicy } from "../../functions/core/config";
import type { RateHit } from "../../functions/core/limits";
import type { NewRefresh } from "../../functions/core/session/store";
import type { ConsumeResult, Proof } from "../../functions/core/signin/store";
import type { ClientMeta, EventType } from "../../functions/core/types";
import { clientMeta, logEvent } from "./common";
import { countHits, countStreak } from "./limits";
import { MemoryStoreError, SECOND, type ChallengeRow, type MemoryContext } from "./tables";
import { text, uuid } from "./values";

/** A sign-in challenge a code can still be checked against: not used, not expired, attempts left, account not locked. */
export function liveSignIn(ctx: MemoryContext, id: string, now: number): ChallengeRow | undefined {
  const ch = ctx.tables.challenges.get(id);
  if (!ch || ch.purpose !== "sign_in" || ch.consumedAt !== null || !(ch.expiresAt > now) || ch.attempts >= ch.maxAttempts) return undefined;
  return ctx.tables.users.get(ch.userId)?.lockedAt === null ? ch : undefined;
}

/** TOTP steps are 30 s (RFC 6238); the window is one step of drift on each side. */
const STEP_MS = 30 * SECOND;

/**
 * The TOTP step this code is for: the latest step within one of now whose MAC
 * the challenge kept and that is later than the last step the account's
 * authenticator accepted; null when there is none (or no active authenticator).
 */
function acceptedStep(ctx: MemoryContext, ch: ChallengeRow, mac: string, now: number): { factorId: string; step: number } | null {
  const factor = [...ctx.tables.factors.values()].find((f) => f.userId === ch.userId && f.type === "totp" && f.status === "active");
  if (!factor || ch.firstStep === null || ch.stepMacs === null) return null;
  const current = Math.floor(now / STEP_MS);
  for (let step = current + 1; step >= current - 1; step--) {
    if (step >= ch.firstStep && ch.stepMacs[step - ch.firstStep] === mac && step > (factor.lastStep ?? -1)) return { factorId: factor.id, step };
  }
  return null;
}

/** An unused recovery code of the account with one of these MACs. */
function unusedCode(ctx: MemoryContext, userId: string, macs: string[]) {
  for (const code of ctx.tables.recoveryCodes.values()) if (code.userId === userId && code.usedAt === null && macs.includes(code.codeMac)) return code;
  return undefined;
}

export async function consumeChallenge(
  ctx: MemoryContext,
  id: string,
  proof: Proof,
  options: { ipHit: RateHit; refresh: NewRefresh; lockout: LockoutPolicy; client: ClientMeta },
): Promise<ConsumeResult> {
  const now = ctx.now();
  const { ipHit, refresh, lockout } = options;
  const [challengeId, mac, recoveryMacs] = [uuid(id), text(proof.mac), proof.recoveryMacs.map((m) => text(m))];
  const [familyId, sid, tokenHash, meta] = [uuid(refresh.familyId), uuid(refresh.sid), text(refresh.tokenHash), clientMeta(options.client)];
  // The client's verify is counted first, and a client over its limit changes nothing else.
  const counted = countHits(ctx, [ipHit]);
  const ch = counted.verdict.limited ? undefined : liveSignIn(ctx, challengeId, now);
  const step = ch?.channel === "totp" ? acceptedStep(ctx, ch, mac, now) : null;
  const code = ch?.channel === "recovery" ? unusedCode(ctx, ch.userId, recoveryMacs) : undefined;
  const verified = ch !== undefined && (ch.channel === "totp" ? step !== null : ch.channel === "recovery" ? code !== undefined : ch.codeMac === mac);
  if (verified) {
    for (const s of ctx.tables.refreshSessions.values()) {
      if (s.id === familyId) throw new MemoryStoreError('duplicate key value violates unique constraint "refresh_sessions_pkey"');
      if (s.sid === sid) throw new MemoryStoreError('duplicate key value violates unique constraint "refresh_sessions_sid_unique"');
    }
  }
  counted.commit();
  if (counted.verdict.limited) return { outcome: "rate_limited", retryAfterSeconds: counted.verdict.retryAfterSeconds };
  if (!ch) return { outcome: "gone" };

  const user = ctx.tables.users.get(ch.userId)!;
  const events: EventType[] = [];
  if (verified) {
    ch.consumedAt = now;
    if (step) Object.assign(ctx.tables.factors.get(step.factorId)!, { lastStep: step.step, lastUsedAt: now });
    if (code) code.usedAt = now;
    // The first accepted code sent to an address or a number proves it.
    if (ch.channel === "email") user.emailVerifiedAt ??= now;
    if (ch.channel === "sms") user.phoneVerifiedAt ??= now;
    events.push("login_succeeded");
    if (ch.channel === "recovery") events.push("recovery_code_used");
  } else {
    ch.attempts += 1;
    events.push("login_failed");
    if (ch.attempts === ch.maxAttempts) events.push("challenge_locked");
  }
  countStreak(user, verified, lockout, now);
  // The account was not locked (liveSignIn): locked now means by this very code.
  if (user.lockedAt !== null) events.push("account_locked");
  for (const type of events) logEvent(ctx, ch.userId, type, meta, ch.channel);
  if (!verified) return { outcome: "wrong_code", attemptsRemaining: ch.maxAttempts - ch.attempts };
  ctx.tables.refreshSessions.set(familyId, {
    id: familyId,
    sid,
    userId: ch.userId,
    tokenHash,
    previousTokenHash: null,
    expiresAt: now + refresh.ttlSeconds * SECOND,
    revokedAt: null,
    rotatedAt: null,
    userAgent: meta.userAgent,
    ipPrefix: meta.ipPrefix,
    lastUsedAt: now,
    authTime: now,
    factor: ch.channel,
    createdAt: now,
  });
  return { outcome: "verified", userId: ch.userId, factor: ch.channel, authTime: Math.floor(now / SECOND), locale: user.locale, sid: refresh.sid };
}
