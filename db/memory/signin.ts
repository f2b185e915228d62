/**
 * Sign-in in memory, statement for statement as db/store/signin.ts: the login
 * read, new challenges, resend and revocation (the verify path is verify.ts).
 * Each method reads and writes without an await in between, so it is as atomic
 * as the SQL; a method that fails does so before it writes anything.
 */
import type { RateHit, RateVerdict } from "../../functions/core/limits";
import type { LoginLookup, NewChallenge, RenewLimits, RenewResult, SignInStore, StartResult } from "../../functions/core/signin/store";
import { userByEmail } from "./account";
import { bumpHits, countHits } from "./limits";
import { MemoryStoreError, SECOND, type ChallengeRow, type MemoryContext } from "./tables";
import { secondsUntil, text, uuid } from "./values";
import { consumeChallenge, liveSignIn } from "./verify";

/** A new challenge row, as the INSERT fills it. */
export function challengeRow(now: number, c: Omit<ChallengeRow, "expiresAt" | "resendAfter" | "attempts" | "sends" | "consumedAt" | "deliveryStatus" | "deliveredSend" | "deliveryAttempts" | "deliveryClaimedAt" | "providerMessageId" | "deliveryError" | "createdAt">, ttlSeconds: number, resendSeconds: number): ChallengeRow {
  return {
    ...c,
    expiresAt: now + ttlSeconds * SECOND,
    attempts: 0,
    sends: 1,
    resendAfter: now + resendSeconds * SECOND,
    consumedAt: null,
    deliveryStatus: "queued",
    deliveredSend: null,
    deliveryAttempts: 0,
    deliveryClaimedAt: null,
    providerMessageId: null,
    deliveryError: null,
    createdAt: now,
  };
}

/** The INSERT's constraints: a taken id, an unknown account, an attempt cap below zero fail the statement. */
export function insertable(ctx: MemoryContext, row: ChallengeRow): void {
  if (ctx.tables.challenges.has(row.id)) throw new MemoryStoreError('duplicate key value violates unique constraint "challenges_pkey"');
  if (!ctx.tables.users.has(row.userId)) throw new MemoryStoreError('insert violates foreign key constraint "challenges_user_id_users_id_fk"');
  if (row.maxAttempts < 0) throw new MemoryStoreError('new row violates check constraint "challenges_attempts_check"');
}

/** A new code as one more send, as a resend or a retried login writes it: a fresh life and delivery state. */
function replaceCode(ch: ChallengeRow, codeMac: string, now: number, life: { ttlSeconds: number; resendSeconds: number }): void {
  Object.assign(ch, {
    codeMac,
    sends: ch.sends + 1,
    deliveryStatus: "queued",
    deliveryClaimedAt: null,
    deliveryError: null,
    expiresAt: now + life.ttlSeconds * SECOND,
    resendAfter: now + life.resendSeconds * SECOND,
  } satisfies Partial<ChallengeRow>);
}

export function signInStore(ctx: MemoryContext): SignInStore {
  return {
    async findUserForLogin(email: string, hits: RateHit[]): Promise<LoginLookup> {
      const now = ctx.now();
      const address = text(email);
      const rate = bumpHits(ctx, hits);
      const user = userByEmail(ctx, address);
      const dbNowSeconds = now / SECOND;
      if (!user) return { rate, user: null, dbNowSeconds };
      const { id, phone, passwordHash, lockedAt, otpBlockedUntil, locale } = user;
      const totp = [...ctx.tables.factors.values()].find((f) => f.userId === id && f.type === "totp" && f.status === "active");
      let recoveryRemaining = 0;
      for (const code of ctx.tables.recoveryCodes.values()) if (code.userId === id && code.usedAt === null) recoveryRemaining++;
      return {
        rate,
        dbNowSeconds,
        user: {
          id,
          email: user.email,
          phone,
          passwordHash,
          locked: lockedAt !== null,
          waitSeconds: otpBlockedUntil === null ? 0 : Math.max(0, secondsUntil(otpBlockedUntil, now)),
          totp: totp ? { id: totp.id, secretSealed: totp.secretSealed, keyId: totp.keyId } : null,
          recoveryRemaining,
          locale,
        },
      };
    },

    async createChallenge(c: NewChallenge, hits: RateHit[], cooldownHits: RateHit[] = []): Promise<StartResult> {
      const now = ctx.now();
      const id = uuid(c.id);
      const userId = uuid(c.userId);
      const codeMac = c.check.kind === "mac" ? text(c.check.mac) : "";
      // A retried login's live challenge (the same id): an e-mail or SMS one is renewed under `hits` alone, else replayed.
      const prior = ctx.tables.challenges.get(id);
      const live =
        prior && prior.userId === userId && prior.channel === c.factor && prior.destination === text(c.destination) && prior.purpose === "sign_in" &&
        prior.consumedAt === null && prior.expiresAt > now && prior.attempts < prior.maxAttempts;
      if (prior && live) {
        const renewable = (prior.channel === "email" || prior.channel === "sms") && prior.sends < c.maxSends;
        if (renewable) {
          const counted = countHits(ctx, hits);
          counted.commit();
          if (counted.verdict.limited) return { outcome: "rate_limited", retryAfterSeconds: counted.verdict.retryAfterSeconds };
          replaceCode(prior, codeMac, now, c);
        }
        return {
          outcome: renewable ? "renewed" : "replayed",
          send: renewable ? prior.sends : null,
          expiresInSeconds: Math.max(0, secondsUntil(prior.expiresAt, now)),
          resendAfterSeconds: Math.max(0, secondsUntil(prior.resendAfter, now)),
        };
      }
      // An ended challenge of this id (or another destination's) counts nothing and stays as it is.
      if (prior) return { outcome: "conflict" };
      const counted = countHits(ctx, [...hits, ...cooldownHits]);
      const steps = c.check.kind === "steps" ? c.check : null;
      const row = challengeRow(
        now,
        {
          id,
          userId,
          purpose: "sign_in",
          channel: c.factor,
          destination: text(c.destination),
          codeMac,
          stepMacs: steps ? steps.macs.map((m) => text(m)) : null,
          firstStep: steps ? steps.firstStep : null,
          maxAttempts: c.maxAttempts,
        },
        c.ttlSeconds,
        c.resendSeconds,
      );
      // The insert runs only under the limits; when it runs, its constraints can fail the whole statement.
      if (!counted.verdict.limited) insertable(ctx, row);
      counted.commit();
      if (counted.verdict.limited) return { outcome: "rate_limited", retryAfterSeconds: counted.verdict.retryAfterSeconds };
      ctx.tables.challenges.set(row.id, row);
      return { outcome: "created", send: 1, expiresInSeconds: c.ttlSeconds, resendAfterSeconds: c.resendSeconds };
    },

    consumeChallenge: (id, proof, options) => consumeChallenge(ctx, id, proof, options),

    async renewChallenge(id: string, mac: string, limits: RenewLimits): Promise<RenewResult> {
      const now = ctx.now();
      const codeMac = text(mac);
      const ch = liveSignIn(ctx, uuid(id), now);
      if (!ch) return { outcome: "gone" };
      const resendable = ch.channel === "email" || ch.channel === "sms";
      const maySend = resendable && ch.resendAfter <= now && ch.sends < limits.maxSends;
      // A code is counted against the account (and the number) only when one may be sent.
      const hits: RateHit[] = [];
      if (maySend) hits.push({ key: `codes_account:${ch.userId}`, ...limits.codesAccount });
      if (maySend && ch.channel === "sms") hits.push({ key: `sms_number:${ch.destination}`, ...limits.smsNumber });
      const rate = bumpHits(ctx, hits);
      if (!resendable) return { outcome: "not_resendable" };
      if (maySend && !rate.limited) {
        // The attempts are not reset: a new code does not buy new guesses.
        replaceCode(ch, codeMac, now, limits);
        const locale = ctx.tables.users.get(ch.userId)!.locale;
        return { outcome: "renewed", channel: ch.channel as "email" | "sms", destination: ch.destination!, expiresInSeconds: limits.ttlSeconds, send: ch.sends, locale };
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
