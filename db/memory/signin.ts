/**
 * Sign-in in memory, statement for statement as db/store/signin.ts. Each method
 * reads and writes without an await in between, so it is as atomic as the SQL;
 * a method that fails does so before it writes anything.
 */
import type { LockoutPolicy } from "../../functions/core/config";
import type { RateHit, RateVerdict } from "../../functions/core/limits";
import type { NewRefresh } from "../../functions/core/session/store";
import type {
  ConsumeResult,
  LoginLookup,
  NewChallenge,
  Proof,
  RenewLimits,
  RenewResult,
  SignInStore,
} from "../../functions/core/signin/store";
import { userByEmail } from "./account";
import { bumpHits, countHits } from "./limits";
import { MemoryStoreError, SECOND, secondsUntil, text, uuid, type ChallengeRow, type MemoryContext, type UserRow } from "./tables";

/** A challenge a code can still be checked against: not used, not expired, attempts left, account not locked. */
function liveChallenge(ctx: MemoryContext, id: string, now: number): ChallengeRow | undefined {
  const ch = ctx.tables.challenges.get(id);
  if (!ch || ch.consumedAt !== null || !(ch.expiresAt > now) || ch.attempts >= ch.maxAttempts) return undefined;
  return ctx.tables.users.get(ch.userId)?.lockedAt === null ? ch : undefined;
}

/** The account's streak of wrong codes: reset by a right one; waits that double every `waitAfter`; the lock. */
function countStreak(user: UserRow, verified: boolean, lockout: LockoutPolicy, now: number): void {
  if (verified) {
    user.failedOtpCount = 0;
    user.otpBlockedUntil = null;
    return;
  }
  const failed = user.failedOtpCount + 1;
  user.failedOtpCount = failed;
  if (failed >= lockout.waitAfter) {
    const doublings = Math.floor((failed - lockout.waitAfter) / lockout.waitAfter);
    user.otpBlockedUntil = now + Math.min(lockout.maxWaitSeconds, lockout.baseWaitSeconds * 2 ** doublings) * SECOND;
  }
  if (failed >= lockout.lockAfter) user.lockedAt = now;
}

export function signInStore(ctx: MemoryContext): SignInStore {
  return {
    async findUserForLogin(email: string, hits: RateHit[]): Promise<LoginLookup> {
      const address = text(email);
      const rate = bumpHits(ctx, hits);
      const user = userByEmail(ctx, address);
      if (!user) return { rate, user: null };
      const { id, phone, passwordHash, lockedAt, otpBlockedUntil } = user;
      const waitSeconds = otpBlockedUntil === null ? 0 : Math.max(0, secondsUntil(otpBlockedUntil, ctx.now()));
      return { rate, user: { id, email: user.email, phone, passwordHash, locked: lockedAt !== null, waitSeconds } };
    },

    async createChallenge(c: NewChallenge, hits: RateHit[]): Promise<RateVerdict> {
      const now = ctx.now();
      const counted = countHits(ctx, hits);
      const row: ChallengeRow = {
        id: uuid(c.id),
        userId: uuid(c.userId),
        channel: c.factor,
        destination: text(c.destination),
        codeMac: text(c.check.mac),
        expiresAt: now + c.ttlSeconds * SECOND,
        attempts: 0,
        maxAttempts: c.maxAttempts,
        sends: 1,
        resendAfter: now + c.resendSeconds * SECOND,
        consumedAt: null,
        deliveryStatus: "queued",
        deliveredSend: null,
        deliveryAttempts: 0,
        deliveryClaimedAt: null,
        providerMessageId: null,
        deliveryError: null,
        createdAt: now,
      };
      // The insert runs only under the limits; when it runs, its constraints can fail the whole statement.
      if (!counted.verdict.limited) {
        if (ctx.tables.challenges.has(row.id)) throw new MemoryStoreError('duplicate key value violates unique constraint "challenges_pkey"');
        if (!ctx.tables.users.has(row.userId)) throw new MemoryStoreError('insert violates foreign key constraint "challenges_user_id_users_id_fk"');
      }
      counted.commit();
      if (!counted.verdict.limited) ctx.tables.challenges.set(row.id, row);
      return counted.verdict;
    },

    async consumeChallenge(id: string, proof: Proof, options: { ipHit: RateHit; refresh: NewRefresh; lockout: LockoutPolicy }): Promise<ConsumeResult> {
      const now = ctx.now();
      const { ipHit, refresh, lockout } = options;
      const [challengeId, mac, familyId, tokenHash] = [uuid(id), text(proof.mac), uuid(refresh.familyId), text(refresh.tokenHash)];
      // The client's verify is counted first, and a client over its limit changes nothing else.
      const counted = countHits(ctx, [ipHit]);
      const ch = counted.verdict.limited ? undefined : liveChallenge(ctx, challengeId, now);
      const verified = ch !== undefined && ch.codeMac === mac;
      if (verified && ctx.tables.refreshSessions.has(familyId)) {
        throw new MemoryStoreError('duplicate key value violates unique constraint "refresh_sessions_pkey"');
      }
      counted.commit();
      if (counted.verdict.limited) return { outcome: "rate_limited", retryAfterSeconds: counted.verdict.retryAfterSeconds };
      if (!ch) return { outcome: "gone" };

      if (verified) ch.consumedAt = now;
      else ch.attempts += 1;
      countStreak(ctx.tables.users.get(ch.userId)!, verified, lockout, now);
      if (!verified) return { outcome: "wrong_code", attemptsRemaining: ch.maxAttempts - ch.attempts };
      ctx.tables.refreshSessions.set(familyId, {
        id: familyId,
        userId: ch.userId,
        tokenHash,
        expiresAt: now + refresh.ttlSeconds * SECOND,
        revokedAt: null,
        rotatedAt: null,
        createdAt: now,
      });
      return { outcome: "verified", userId: ch.userId };
    },

    async renewChallenge(id: string, mac: string, limits: RenewLimits): Promise<RenewResult> {
      const now = ctx.now();
      const codeMac = text(mac);
      const ch = liveChallenge(ctx, uuid(id), now);
      if (!ch) return { outcome: "gone" };
      const maySend = ch.resendAfter <= now && ch.sends < limits.maxSends;
      // A code is counted against the account (and the number) only when one may be sent.
      const hits: RateHit[] = [{ key: `codes_account:${ch.userId}`, ...limits.codesAccount }];
      if (ch.channel === "sms") hits.push({ key: `sms_number:${ch.destination}`, ...limits.smsNumber });
      const rate: RateVerdict = maySend ? bumpHits(ctx, hits) : { limited: false };
      if (maySend && !rate.limited) {
        // The attempts are not reset: a new code does not buy new guesses.
        Object.assign(ch, {
          codeMac,
          sends: ch.sends + 1,
          deliveryStatus: "queued",
          deliveryClaimedAt: null,
          deliveryError: null,
          expiresAt: now + limits.ttlSeconds * SECOND,
          resendAfter: now + limits.resendSeconds * SECOND,
        } satisfies Partial<ChallengeRow>);
        return { outcome: "renewed", channel: ch.channel, destination: ch.destination, expiresInSeconds: limits.ttlSeconds, send: ch.sends };
      }
      if (ch.sends >= limits.maxSends) return { outcome: "send_limit" };
      if (rate.limited) return { outcome: "rate_limited", retryAfterSeconds: rate.retryAfterSeconds };
      return { outcome: "too_soon", retryAfterSeconds: Math.max(1, secondsUntil(ch.resendAfter, now)) };
    },

    async revokeChallenge(id: string): Promise<void> {
      const ch = ctx.tables.challenges.get(uuid(id));
      if (ch && ch.consumedAt === null) ch.consumedAt = ctx.now();
    },
  };
}
