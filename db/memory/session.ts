/** Refresh-token families in memory, as db/store/session.ts. */
import type { RotateResult, SessionStore } from "../../functions/core/session/store";
import { SECOND, text, uuid, type MemoryContext } from "./tables";

export function sessionStore(ctx: MemoryContext): SessionStore {
  return {
    async rotateRefresh(familyId: string, tokenHash: string, newHash: string): Promise<RotateResult> {
      const now = ctx.now();
      const [presented, next] = [text(tokenHash), text(newHash)];
      const family = ctx.tables.refreshSessions.get(uuid(familyId));
      // An expired family is simply gone: its tokens are not "reused", just old.
      if (!family || !(family.expiresAt > now)) return { outcome: "gone" };
      if (family.tokenHash === presented && family.revokedAt === null) {
        family.tokenHash = next;
        family.rotatedAt = now;
      } else {
        // Any other token of a live family, or any token of a revoked one: the family is (stays) revoked.
        family.revokedAt ??= now;
      }
      // As the SQL's RETURNING: rotated when the row now holds the new hash.
      if (family.tokenHash !== next) return { outcome: "reused" };
      return { outcome: "rotated", userId: family.userId, expiresInSeconds: Math.max(0, Math.floor((family.expiresAt - now) / SECOND)) };
    },

    async revokeRefresh(familyId: string): Promise<void> {
      const family = ctx.tables.refreshSessions.get(uuid(familyId));
      if (family) family.revokedAt ??= ctx.now();
    },
  };
}
