/** Accounts in memory, as db/store/account.ts: e-mails are unique, ids are uuids; bearer routes check the caller's session. */
import type { AccountStore, CallerPassword, Profile, UserRecord, UserWithPassword } from "../../functions/core/account/store";
import type { RateHit } from "../../functions/core/limits";
import type { Caller, ClientMeta } from "../../functions/core/types";
import { clientMeta, deleteUser, liveSession, logEvent } from "./common";
import { countHits } from "./limits";
import { MemoryStoreError, type MemoryContext, type UserRow } from "./tables";
import { text, timestamp, uuid } from "./values";

const record = (user: UserRow): UserRecord => ({ id: user.id, email: user.email, phone: user.phone });

export function profile(user: UserRow): Profile {
  return {
    ...record(user),
    locale: user.locale,
    emailVerifiedAt: timestamp(user.emailVerifiedAt),
    phoneVerifiedAt: timestamp(user.phoneVerifiedAt),
    createdAt: timestamp(user.createdAt),
  };
}

export function userByEmail(ctx: MemoryContext, email: string): UserRow | undefined {
  for (const user of ctx.tables.users.values()) if (user.email === email) return user;
  return undefined;
}

/** Newest first, as `ORDER BY created_at DESC` (rows made at one instant: the later one first). */
export function newestFirst<T extends { createdAt: number }>(rows: Iterable<T>): T[] {
  return [...rows].reverse().sort((a, b) => b.createdAt - a.createdAt);
}

/** The account's data as exportAccount's json_build_object spells it. */
function exported(ctx: MemoryContext, user: UserRow): Record<string, unknown> {
  const { factors, recoveryCodes, refreshSessions, authEvents } = ctx.tables;
  const mine = <T extends { userId: string }>(table: Map<unknown, T>) => [...table.values()].filter((row) => row.userId === user.id);
  const codes = mine(recoveryCodes);
  return {
    profile: { id: user.id, email: user.email, phone: user.phone, locale: user.locale, email_verified_at: timestamp(user.emailVerifiedAt), phone_verified_at: timestamp(user.phoneVerifiedAt), created_at: timestamp(user.createdAt) },
    factors: mine(factors).map((f) => ({ id: f.id, type: f.type, status: f.status, created_at: timestamp(f.createdAt), confirmed_at: timestamp(f.confirmedAt), last_used_at: timestamp(f.lastUsedAt) })),
    recovery_codes: { unused: codes.filter((c) => c.usedAt === null).length, used: codes.filter((c) => c.usedAt !== null).length },
    sessions: newestFirst(mine(refreshSessions)).map((s) => ({
      id: s.sid, created_at: timestamp(s.createdAt), last_used_at: timestamp(s.lastUsedAt), user_agent: s.userAgent, ip_prefix: s.ipPrefix,
      factor: s.factor, revoked_at: timestamp(s.revokedAt), expires_at: timestamp(s.expiresAt),
    })),
    events: mine(authEvents).sort((a, b) => b.id - a.id).map((e) => ({ id: String(e.id), type: e.type, at: timestamp(e.at), ip_prefix: e.ipPrefix, user_agent: e.userAgent, factor: e.factor })),
  };
}

export function accountStore(ctx: MemoryContext): AccountStore {
  /** The caller's account, if the caller's session is live. */
  const liveUser = (caller: Caller, now = ctx.now()) => (liveSession(ctx, caller, now) ? ctx.tables.users.get(uuid(caller.userId)) : undefined);
  return {
    async createUser(user: UserWithPassword & { locale: string }): Promise<UserRecord | null> {
      const row: UserRow = {
        id: uuid(user.id),
        email: text(user.email),
        phone: text(user.phone),
        passwordHash: text(user.passwordHash),
        failedOtpCount: 0,
        otpBlockedUntil: null,
        lockedAt: null,
        emailVerifiedAt: null,
        phoneVerifiedAt: null,
        locale: text(user.locale),
        createdAt: ctx.now(),
      };
      // ON CONFLICT (email) DO NOTHING: a taken e-mail is no error, a taken id is.
      if (userByEmail(ctx, row.email)) return null;
      if (ctx.tables.users.has(row.id)) throw new MemoryStoreError('duplicate key value violates unique constraint "users_pkey"');
      ctx.tables.users.set(row.id, row);
      return record(row);
    },

    async findUserById(id: string): Promise<Profile | null> {
      const user = ctx.tables.users.get(uuid(id));
      return user ? profile(user) : null;
    },

    async setLocale(caller: Caller, locale: string): Promise<Profile | null> {
      const value = text(locale);
      const user = liveUser(caller);
      if (!user) return null;
      user.locale = value;
      return profile(user);
    },

    async callerPassword(caller: Caller, limits: { ip: RateHit; account: Omit<RateHit, "key"> }): Promise<CallerPassword> {
      // The same counters as a sign-in, bumped whether or not the caller's session is live.
      const now = ctx.now();
      const user = ctx.tables.users.get(uuid(caller.userId));
      const hits = user ? [{ key: `login_account:${user.email}`, ...limits.account }, limits.ip] : [limits.ip];
      const counted = countHits(ctx, hits);
      const live = liveSession(ctx, caller, now);
      counted.commit();
      if (!live || !user) return { status: "dead_caller" };
      if (counted.verdict.limited) return { status: "limited", verdict: counted.verdict };
      return { status: "ok", passwordHash: user.passwordHash, email: user.email };
    },

    async changePassword(caller: Caller, passwordHash: string, client: ClientMeta): Promise<boolean> {
      const [hash, meta, now] = [text(passwordHash), clientMeta(client), ctx.now()];
      const user = liveUser(caller, now);
      if (!user) return false;
      user.passwordHash = hash;
      // Every other session dies (IS DISTINCT FROM: sessions without a sid too); the caller's survives.
      const own = uuid(caller.sid!);
      for (const s of ctx.tables.refreshSessions.values()) {
        if (s.userId === user.id && s.revokedAt === null && s.sid !== own) s.revokedAt = now;
      }
      logEvent(ctx, user.id, "password_changed", meta);
      return true;
    },

    async deleteAccount(caller: Caller): Promise<boolean> {
      const user = liveUser(caller);
      if (!user) return false;
      deleteUser(ctx, user.id);
      return true;
    },

    async exportAccount(caller: Caller): Promise<Record<string, unknown> | null> {
      const user = liveUser(caller);
      return user ? exported(ctx, user) : null;
    },
  };
}
