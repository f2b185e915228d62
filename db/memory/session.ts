/** Sessions (refresh-token families) in memory, as db/store/session.ts. */
import type { RotateResult, SessionStore, SessionView } from "../../functions/core/session/store";
import type { Caller, ClientMeta } from "../../functions/core/types";
import { newestFirst } from "./account";
import { clientMeta, liveSession, logEvent } from "./common";
import { SECOND, type MemoryContext, type RefreshRow } from "./tables";
import { text, timestamp, uuid } from "./values";

export function sessionStore(ctx: MemoryContext): SessionStore {
  /** Revokes these families and logs `session_revoked` for each, with the factor that opened it. */
  const revoke = (families: RefreshRow[], client: ClientMeta, now: number) => {
    for (const family of families) {
      family.revokedAt = now;
      logEvent(ctx, family.userId, "session_revoked", client, family.factor);
    }
  };
  return {
    async rotateRefresh(familyId: string, tokenHash: string, newHash: string, client: ClientMeta, { graceSeconds = 0 } = {}): Promise<RotateResult> {
      const now = ctx.now();
      const [id, presented, next, meta] = [uuid(familyId), text(tokenHash), text(newHash), clientMeta(client)];
      const family = ctx.tables.refreshSessions.get(id);
      // An expired family is simply gone: its tokens are not "reused", just old.
      if (!family || !(family.expiresAt > now)) return { outcome: "gone" };
      const current = family.tokenHash === presented && family.revokedAt === null;
      // The token just replaced, again, while its successor (the same next hash) is current: a retry whose answer was lost.
      const retry =
        graceSeconds > 0 && family.previousTokenHash === presented && family.tokenHash === next && family.revokedAt === null &&
        family.rotatedAt !== null && family.rotatedAt > now - graceSeconds * SECOND;
      if (current) {
        Object.assign(family, { previousTokenHash: family.tokenHash, tokenHash: next, rotatedAt: now, lastUsedAt: now, userAgent: meta.userAgent, ipPrefix: meta.ipPrefix });
      } else if (!retry && family.revokedAt === null) {
        // Any other token of a live family revokes it, and this first reuse is logged.
        family.revokedAt = now;
        logEvent(ctx, family.userId, "refresh_reuse_detected", meta, family.factor);
      }
      // As the SQL's RETURNING: rotated when the row now holds the new hash and is live.
      if (family.tokenHash !== next || family.revokedAt !== null) return { outcome: "reused" };
      return {
        outcome: "rotated",
        userId: family.userId,
        expiresInSeconds: Math.max(0, Math.floor((family.expiresAt - now) / SECOND)),
        session: { authTime: family.authTime === null ? null : Math.floor(family.authTime / SECOND), factor: family.factor, sid: family.sid },
        // The SQL tells a retry by a rotation from before this statement; here, by this call not rotating.
        retried: retry && !current,
      };
    },

    async revokeRefresh(familyId: string, client: ClientMeta): Promise<void> {
      // Any token of the family logs it out, expired or not, once.
      const [id, meta] = [uuid(familyId), clientMeta(client)];
      const family = ctx.tables.refreshSessions.get(id);
      if (family && family.revokedAt === null) revoke([family], meta, ctx.now());
    },

    async listSessions(caller: Caller): Promise<SessionView[] | null> {
      const now = ctx.now();
      if (!liveSession(ctx, caller, now)) return null;
      const userId = uuid(caller.userId);
      const live = [...ctx.tables.refreshSessions.values()].filter((s) => s.userId === userId && s.revokedAt === null && s.expiresAt > now && s.sid !== null);
      return newestFirst(live).map((s) => ({
        id: s.sid!,
        createdAt: timestamp(s.createdAt),
        lastUsedAt: timestamp(s.lastUsedAt),
        userAgent: s.userAgent,
        ipPrefix: s.ipPrefix,
        factor: s.factor,
      }));
    },

    async revokeSession(caller: Caller, sid: string, client: ClientMeta) {
      const now = ctx.now();
      const [target, meta] = [uuid(sid), clientMeta(client)];
      if (!liveSession(ctx, caller, now)) return "dead_caller";
      const userId = uuid(caller.userId);
      const family = [...ctx.tables.refreshSessions.values()].find((s) => s.sid === target && s.userId === userId && s.revokedAt === null && s.expiresAt > now);
      if (!family) return "not_found";
      revoke([family], meta, now);
      return "revoked";
    },

    async revokeAllSessions(caller: Caller, client: ClientMeta): Promise<boolean> {
      // Every unrevoked family of the account, the caller's own and expired ones included.
      const now = ctx.now();
      const meta = clientMeta(client);
      if (!liveSession(ctx, caller, now)) return false;
      const userId = uuid(caller.userId);
      revoke([...ctx.tables.refreshSessions.values()].filter((s) => s.userId === userId && s.revokedAt === null), meta, now);
      return true;
    },
  };
}
