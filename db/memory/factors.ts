/**
 * Enrolled factors and recovery codes in memory, as db/store/factors.ts. A
 * pending authenticator becomes active only through `confirmTotp`, while it is
 * still pending with attempts left.
 */
import type { LockoutPolicy } from "../../functions/core/config";
import type { ConfirmResult, EnrolResult, FactorRow, FactorStore, SealedSecret } from "../../functions/core/factors/store";
import type { Caller, ClientMeta } from "../../functions/core/types";
import { clientMeta, liveSession, logEvent } from "./common";
import { countStreak } from "./limits";
import { MemoryStoreError, recoveryKey, type MemoryContext, type RecoveryCodeRow, type TotpRow } from "./tables";
import { limit, text, timestamp, uuid } from "./values";

/** The account's authenticator row (one per account and type), active or pending. */
const totpOf = (ctx: MemoryContext, userId: string): TotpRow | undefined =>
  [...ctx.tables.factors.values()].find((f) => f.userId === userId && f.type === "totp");

/** Recovery-code rows from MACs; the SQL spells them as VALUES, so none does not parse. */
function codeRows(userId: string, recovery: { macs: string[]; keyId: string }, now: number): RecoveryCodeRow[] {
  if (recovery.macs.length === 0) throw new MemoryStoreError('syntax error at or near ")"');
  const keyId = text(recovery.keyId);
  return recovery.macs.map((mac) => ({ userId, codeMac: text(mac), keyId, usedAt: null, createdAt: now }));
}

/** Fails as the INSERT would on a key taken by another new row or a stored one. */
function insertable(ctx: MemoryContext, rows: RecoveryCodeRow[]): void {
  const keys = rows.map((r) => recoveryKey(r.userId, r.codeMac));
  if (new Set(keys).size !== keys.length || keys.some((k) => ctx.tables.recoveryCodes.has(k))) {
    throw new MemoryStoreError('duplicate key value violates unique constraint "recovery_codes_user_id_code_mac_pk"');
  }
}

function insertCodes(ctx: MemoryContext, rows: RecoveryCodeRow[]): void {
  insertable(ctx, rows);
  for (const row of rows) ctx.tables.recoveryCodes.set(recoveryKey(row.userId, row.codeMac), row);
}

export function factorStore(ctx: MemoryContext): FactorStore {
  const liveUser = (caller: Caller, now = ctx.now()) => (liveSession(ctx, caller, now) ? ctx.tables.users.get(uuid(caller.userId)) : undefined);
  return {
    async enrolTotp(caller: Caller, factor: { id: string } & SealedSecret): Promise<EnrolResult> {
      // Insert, or replace a pending one in place; an active one is never touched.
      const now = ctx.now();
      const [id, secretSealed, keyId] = [uuid(factor.id), text(factor.secretSealed), text(factor.keyId)];
      const user = liveUser(caller, now);
      if (!user) return { status: "dead_caller" };
      const existing = totpOf(ctx, user.id);
      if (existing?.status === "active") return { status: "exists" };
      const taken = ctx.tables.factors.get(id);
      if (taken && taken !== existing) throw new MemoryStoreError('duplicate key value violates unique constraint "factors_pkey"');
      if (existing) ctx.tables.factors.delete(existing.id);
      ctx.tables.factors.set(id, {
        id, userId: user.id, type: "totp", status: "pending", secretSealed, keyId, lastStep: null, attempts: 0, createdAt: now,
        confirmedAt: existing?.confirmedAt ?? null, lastUsedAt: existing?.lastUsedAt ?? null,
      });
      return { status: "pending", email: user.email };
    },

    async pendingTotp(caller: Caller, maxAttempts: number) {
      const user = liveUser(caller);
      if (!user) return "dead_caller" as const;
      const f = totpOf(ctx, user.id);
      return f && f.status === "pending" && f.attempts < maxAttempts ? { id: f.id, secretSealed: f.secretSealed, keyId: f.keyId, attempts: f.attempts } : null;
    },

    async confirmTotp(userId, factorId, step, maxAttempts, recovery, client: ClientMeta): Promise<ConfirmResult> {
      const now = ctx.now();
      const [owner, meta, rows] = [uuid(userId), clientMeta(client), codeRows(uuid(userId), recovery, now)];
      const f = ctx.tables.factors.get(uuid(factorId));
      if (!f || f.userId !== owner || f.status !== "pending" || f.attempts >= maxAttempts) return { outcome: "gone" };
      // The account gets recovery codes with its first authenticator, unless it has unused ones.
      const hasUnused = [...ctx.tables.recoveryCodes.values()].some((c) => c.userId === owner && c.usedAt === null);
      if (!hasUnused) insertCodes(ctx, rows);
      Object.assign(f, { status: "active", lastStep: step, confirmedAt: now, lastUsedAt: now });
      logEvent(ctx, owner, "factor_enrolled", meta, "totp");
      return { outcome: "confirmed", recoveryCodesCreated: !hasUnused };
    },

    async failTotpConfirmation(userId: string, factorId: string, maxAttempts: number, lockout: LockoutPolicy) {
      // A wrong code here costs what a wrong code at sign-in costs: the factor's attempt and the account's streak.
      const now = ctx.now();
      const owner = uuid(userId);
      const f = ctx.tables.factors.get(uuid(factorId));
      if (!f || f.userId !== owner || f.status !== "pending" || f.attempts >= maxAttempts) return null;
      f.attempts += 1;
      const user = ctx.tables.users.get(owner);
      if (user) countStreak(user, false, lockout, now);
      return { attemptsRemaining: maxAttempts - f.attempts };
    },

    async listFactors(caller: Caller) {
      const user = liveUser(caller);
      if (!user) return null;
      const lastUse = (factor: "email" | "sms") => {
        const times = [...ctx.tables.refreshSessions.values()].filter((s) => s.userId === user.id && s.factor === factor).map((s) => s.createdAt);
        return times.length ? timestamp(Math.max(...times)) : null;
      };
      const created = timestamp(user.createdAt);
      const list: FactorRow[] = [{ id: "email", type: "email", status: "active", destination: user.email, createdAt: created, lastUsedAt: lastUse("email") }];
      if (user.phone) list.push({ id: "sms", type: "sms", status: "active", destination: user.phone, createdAt: created, lastUsedAt: lastUse("sms") });
      const f = totpOf(ctx, user.id);
      if (f) list.push({ id: f.id, type: "totp", status: f.status, destination: null, createdAt: timestamp(f.createdAt), lastUsedAt: timestamp(f.lastUsedAt) });
      let recoveryRemaining = 0;
      for (const c of ctx.tables.recoveryCodes.values()) if (c.userId === user.id && c.usedAt === null) recoveryRemaining++;
      return { factors: list, recoveryRemaining };
    },

    async removeTotp(caller: Caller, client: ClientMeta) {
      const meta = clientMeta(client);
      const user = liveUser(caller);
      if (!user) return "dead_caller" as const;
      const f = totpOf(ctx, user.id);
      if (!f) return "none" as const;
      ctx.tables.factors.delete(f.id);
      logEvent(ctx, user.id, "factor_removed", meta, "totp");
      return "removed" as const;
    },

    async replaceRecoveryCodes(caller: Caller, recovery, client: ClientMeta): Promise<boolean> {
      // The old codes die in the same step the new ones are stored.
      const now = ctx.now();
      const [meta, rows] = [clientMeta(client), codeRows(uuid(caller.userId), recovery, now)];
      const user = liveUser(caller, now);
      if (!user) return false;
      // The DELETE and the INSERT see the same snapshot: a new code that repeats one it replaces is a duplicate key.
      insertable(ctx, rows);
      for (const [key, code] of ctx.tables.recoveryCodes) if (code.userId === user.id) ctx.tables.recoveryCodes.delete(key);
      insertCodes(ctx, rows);
      logEvent(ctx, user.id, "recovery_codes_regenerated", meta);
      return true;
    },

    async totpSealedWith(keyId: string, max: number) {
      const [key, n] = [text(keyId), limit(max)];
      return [...ctx.tables.factors.values()].filter((f) => f.keyId === key).slice(0, n).map((f) => ({ id: f.id, secretSealed: f.secretSealed, keyId: f.keyId }));
    },

    async resealTotp(factorId: string, oldKeyId: string, sealed: SealedSecret): Promise<void> {
      const [id, oldKey, secretSealed, keyId] = [uuid(factorId), text(oldKeyId), text(sealed.secretSealed), text(sealed.keyId)];
      const f = ctx.tables.factors.get(id);
      if (f && f.keyId === oldKey) Object.assign(f, { secretSealed, keyId });
    },
  };
}
