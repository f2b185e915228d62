/** Accounts in Postgres: one statement per method. */
import { eq } from "drizzle-orm";
import type { AccountStore, UserRecord, UserWithPassword } from "../../functions/core/account/store";
import type { Db } from "../client";
import { users } from "../schema";

export const userColumns = { id: users.id, email: users.email, phone: users.phone };

export function accountStore(db: Db): AccountStore {
  return {
    async createUser(user: UserWithPassword): Promise<UserRecord | null> {
      // ON CONFLICT instead of check-then-insert: two parallel sign-ups for one e-mail can't both win.
      const rows = await db.insert(users).values(user).onConflictDoNothing({ target: users.email }).returning(userColumns);
      return rows[0] ?? null;
    },

    async findUserById(id: string): Promise<UserRecord | null> {
      const rows = await db.select(userColumns).from(users).where(eq(users.id, id)).limit(1);
      return rows[0] ?? null;
    },
  };
}
