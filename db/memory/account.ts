/** Accounts in memory, as db/store/account.ts: e-mails are unique, ids are uuids. */
import type { AccountStore, UserRecord, UserWithPassword } from "../../functions/core/account/store";
import { MemoryStoreError, text, uuid, type MemoryContext, type UserRow } from "./tables";

const record = (user: UserRow): UserRecord => ({ id: user.id, email: user.email, phone: user.phone });

export function userByEmail(ctx: MemoryContext, email: string): UserRow | undefined {
  for (const user of ctx.tables.users.values()) if (user.email === email) return user;
  return undefined;
}

export function accountStore(ctx: MemoryContext): AccountStore {
  return {
    async createUser(user: UserWithPassword): Promise<UserRecord | null> {
      const row: UserRow = {
        id: uuid(user.id),
        email: text(user.email),
        phone: user.phone === null ? null : text(user.phone),
        passwordHash: text(user.passwordHash),
        failedOtpCount: 0,
        otpBlockedUntil: null,
        lockedAt: null,
        createdAt: ctx.now(),
      };
      // ON CONFLICT (email) DO NOTHING: a taken e-mail is no error, a taken id is.
      if (userByEmail(ctx, row.email)) return null;
      if (ctx.tables.users.has(row.id)) throw new MemoryStoreError('duplicate key value violates unique constraint "users_pkey"');
      ctx.tables.users.set(row.id, row);
      return record(row);
    },

    async findUserById(id: string): Promise<UserRecord | null> {
      const user = ctx.tables.users.get(uuid(id));
      return user ? record(user) : null;
    },
  };
}
