/**
 * Password reset and phone change in memory, as db/store/recovery.ts:
 * challenges with a purpose other than signing in. Wrong reset codes count on
 * the reset and on the client, never on the account's sign-in streak.
 */
import type { PhoneChangeResult, PhoneChangeStarted, RecoveryStore, ResetCheck, ResetStart, ResetStarted } from "../../functions/core/account/reset-store";
import type { RateHit } from "../../functions/core/limits";
import type { Caller, ClientMeta } from "../../functions/core/types";
import { newestFirst, userByEmail } from "./account";
import { clientMeta, liveSession, logEvent } from "./common";
import { countHits } from "./limits";
import { challengeRow, insertable } from "./signin";
import { MemoryStoreError, type ChallengeRow, type MemoryContext } from "./tables";
import { secondsUntil, text, uuid } from "./values";

/** A reset whose code can still be checked or used. */
function liveReset(ctx: MemoryContext, id: string, now: number): ChallengeRow | undefined {
  const ch = ctx.tables.challenges.get(id);
  return ch && ch.purpose === "password_reset" && ch.consumedAt === null && ch.expiresAt > now && ch.attempts < ch.maxAttempts ? ch : undefined;
}

export function recoveryStore(ctx: MemoryContext): RecoveryStore {
  return {
    async startReset(reset: ResetStart): Promise<ResetStarted> {
      // Every counter is bumped for every address, known or not; only the client's limit is reported.
      const now = ctx.now();
      const [id, email, codeMac] = [uuid(reset.id), text(reset.email), text(reset.codeMac)];
      const hits = [reset.ipHit, ...reset.accountHits];
      const counted = countHits(ctx, hits);
      const caps = new Map(hits.map((h) => [text(h.key), h.limit]));
      const ipKey = text(reset.ipHit.key);
      const over = [...counted.rows.values()].filter((row) => row.count > caps.get(row.key)!);
      const ipOver = over.find((row) => row.key === ipKey);
      const accountOver = over.some((row) => row.key !== ipKey);
      const user = userByEmail(ctx, email);
      const row = user && !ipOver && !accountOver
        ? challengeRow(now, { id, userId: user.id, purpose: "password_reset", channel: "email", destination: user.email, codeMac, stepMacs: null, firstStep: null, maxAttempts: reset.maxAttempts }, reset.ttlSeconds, 0)
        : undefined;
      if (row) insertable(ctx, row);
      counted.commit();
      if (ipOver) return { outcome: "ip_limited", retryAfterSeconds: Math.max(1, secondsUntil(ipOver.expiresAt, now)) };
      if (!row) return { outcome: "silent" };
      ctx.tables.challenges.set(row.id, row);
      return { outcome: "started", locale: user!.locale };
    },

    async checkResetCode(id: string, codeMac: string, ipHit: RateHit): Promise<ResetCheck> {
      // A right code is not used here (see completeReset).
      const now = ctx.now();
      const [challengeId, mac] = [uuid(id), text(codeMac)];
      const counted = countHits(ctx, [ipHit]);
      counted.commit();
      if (counted.verdict.limited) return { outcome: "rate_limited", retryAfterSeconds: counted.verdict.retryAfterSeconds };
      const ch = liveReset(ctx, challengeId, now);
      if (!ch) return { outcome: "gone" };
      if (ch.codeMac === mac) return { outcome: "ok" };
      ch.attempts += 1;
      return { outcome: "wrong_code", attemptsRemaining: ch.maxAttempts - ch.attempts };
    },

    async completeReset(id: string, codeMac: string, passwordHash: string, client: ClientMeta) {
      // The code is used and the password set together; every session dies; the streak, wait and lock stay.
      const now = ctx.now();
      const [challengeId, mac, hash, meta] = [uuid(id), text(codeMac), text(passwordHash), clientMeta(client)];
      const ch = liveReset(ctx, challengeId, now);
      if (!ch || ch.codeMac !== mac) return null;
      ch.consumedAt = now;
      const user = ctx.tables.users.get(ch.userId)!;
      user.passwordHash = hash;
      user.emailVerifiedAt ??= now;
      for (const s of ctx.tables.refreshSessions.values()) if (s.userId === user.id && s.revokedAt === null) s.revokedAt = now;
      logEvent(ctx, user.id, "password_reset", meta);
      return { userId: user.id };
    },

    async startPhoneChange(caller: Caller, change): Promise<PhoneChangeStarted> {
      const now = ctx.now();
      const [id, phone, codeMac] = [uuid(change.id), text(change.phone), text(change.codeMac)];
      // The SQL spells the counters as VALUES: with none, the statement does not parse.
      if (change.hits.length === 0) throw new MemoryStoreError('syntax error at or near ")"');
      const live = liveSession(ctx, caller, now);
      const user = live ? ctx.tables.users.get(uuid(caller.userId)) : undefined;
      // A dead caller's request counts nothing.
      const counted = countHits(ctx, user ? change.hits : []);
      const row = user && !counted.verdict.limited
        ? challengeRow(now, { id, userId: user.id, purpose: "phone_change", channel: "sms", destination: phone, codeMac, stepMacs: null, firstStep: null, maxAttempts: change.maxAttempts }, change.ttlSeconds, 0)
        : undefined;
      if (row) insertable(ctx, row);
      counted.commit();
      if (!user) return { outcome: "dead_caller" };
      if (!row) return { outcome: "rate_limited", retryAfterSeconds: (counted.verdict as { retryAfterSeconds: number }).retryAfterSeconds };
      // A new request replaces any older pending change: only the latest code can confirm.
      for (const ch of ctx.tables.challenges.values()) {
        if (ch.userId === user.id && ch.purpose === "phone_change" && ch.consumedAt === null) ch.consumedAt = now;
      }
      ctx.tables.challenges.set(row.id, row);
      return { outcome: "started", locale: user.locale };
    },

    async confirmPhoneChange(caller: Caller, codeMac: string, client: ClientMeta): Promise<PhoneChangeResult> {
      const now = ctx.now();
      const [userId, mac, meta] = [uuid(caller.userId), text(codeMac), clientMeta(client)];
      const live = liveSession(ctx, caller, now);
      // The latest pending change, even one out of attempts (which then is nothing pending).
      const [latest] = newestFirst([...ctx.tables.challenges.values()].filter((c) => c.userId === userId && c.purpose === "phone_change" && c.consumedAt === null && c.expiresAt > now));
      if (!live) return { outcome: "dead_caller" };
      if (!latest || latest.attempts >= latest.maxAttempts) return { outcome: "nothing_pending" };
      if (latest.codeMac !== mac) {
        latest.attempts += 1;
        return { outcome: "wrong_code", attemptsRemaining: latest.maxAttempts - latest.attempts };
      }
      latest.consumedAt = now;
      const user = ctx.tables.users.get(userId)!;
      Object.assign(user, { phone: latest.destination, phoneVerifiedAt: now });
      logEvent(ctx, userId, "phone_changed", meta);
      return { outcome: "confirmed", phone: user.phone! };
    },
  };
}
