/** Refresh-token families in Postgres: one statement per method. */
import { and, eq, gt, sql } from "drizzle-orm";
import type { RotateResult, SessionStore } from "../../functions/core/session/store";
import type { Db } from "../client";
import { refreshSessions } from "../schema";

export function sessionStore(db: Db): SessionStore {
  return {
    async rotateRefresh(familyId: string, tokenHash: string, newHash: string): Promise<RotateResult> {
      // One UPDATE of the family's row: the current token rotates; any other token
      // of the family (a rotated one being replayed, or the loser of two parallel
      // refreshes, which re-checks after the winner commits) revokes the family.
      const current = sql`${refreshSessions.tokenHash} = ${tokenHash} AND ${refreshSessions.revokedAt} IS NULL AND ${refreshSessions.expiresAt} > now()`;
      const rows = await db
        .update(refreshSessions)
        .set({
          tokenHash: sql`CASE WHEN ${current} THEN ${newHash} ELSE ${refreshSessions.tokenHash} END`,
          rotatedAt: sql`CASE WHEN ${current} THEN now() ELSE ${refreshSessions.rotatedAt} END`,
          revokedAt: sql`CASE WHEN ${current} THEN NULL ELSE COALESCE(${refreshSessions.revokedAt}, now()) END`,
        })
        // An expired family is simply gone: its tokens are not "reused", just old.
        .where(and(eq(refreshSessions.id, familyId), gt(refreshSessions.expiresAt, sql`now()`)))
        .returning({
          userId: refreshSessions.userId,
          rotated: sql<boolean>`${refreshSessions.tokenHash} = ${newHash}`,
          expiresIn: sql<number>`GREATEST(0, FLOOR(EXTRACT(EPOCH FROM ${refreshSessions.expiresAt} - now())))::int`,
          authTime: sql<number | null>`FLOOR(EXTRACT(EPOCH FROM ${refreshSessions.authTime}))::float8`,
          factor: refreshSessions.factor,
        });
      const row = rows[0];
      if (!row) return { outcome: "gone" };
      if (!row.rotated) return { outcome: "reused" };
      const authTime = row.authTime === null ? null : Number(row.authTime);
      return { outcome: "rotated", userId: row.userId, expiresInSeconds: Number(row.expiresIn), session: { authTime, factor: row.factor } };
    },

    async revokeRefresh(familyId: string): Promise<void> {
      // Any token of the family logs it out, a rotated one included: a victim whose
      // token was stolen and rotated can still end the thief's session.
      await db
        .update(refreshSessions)
        .set({ revokedAt: sql`COALESCE(${refreshSessions.revokedAt}, now())` })
        .where(eq(refreshSessions.id, familyId));
    },
  };
}
