/**
 * What sessions need from storage. A session is a refresh-token family: one
 * row per sign-in, holding the hash of its one current refresh token, when and
 * with what factor the user signed in, its public id (`sid`) and where it was
 * last used from. Each method is one statement.
 */
import type { Caller, ClientMeta, FactorType } from "../types";
import type { SignInFacts } from "./tokens";

/** What a right code creates in the same statement: the first refresh token of a new family. */
export interface NewRefresh {
  familyId: string;
  /** The session's public id. */
  sid: string;
  tokenHash: string;
  ttlSeconds: number;
  client: ClientMeta;
}

export type RotateResult =
  /** `retried`: the presented token had just been rotated to this same successor (a retry within the grace); nothing changed. */
  | { outcome: "rotated"; userId: string; expiresInSeconds: number; session: SignInFacts; retried?: boolean }
  /** A token of the family that is not the current one: the family is now revoked. */
  | { outcome: "reused" }
  | { outcome: "gone" };

export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string | null;
  userAgent: string | null;
  ipPrefix: string | null;
  factor: FactorType | null;
}

export interface SessionStore {
  /**
   * Swaps the family's current refresh token for a new one (the family keeps its
   * expiry) and records where it was used from, or revokes the family on reuse
   * and logs `refresh_reuse_detected`. The token it just replaced, presented again
   * with the same `newHash` within `graceSeconds` of the rotation, is a retry: it
   * changes nothing and answers "rotated" with `retried`.
   */
  rotateRefresh(familyId: string, tokenHash: string, newHash: string, client: ClientMeta, options?: { graceSeconds?: number }): Promise<RotateResult>;
  /** Revokes the family (any of its tokens, current or rotated, may ask) and logs `session_revoked`. */
  revokeRefresh(familyId: string, client: ClientMeta): Promise<void>;
  /** The caller's live sessions; null when the caller's own session is no longer live. */
  listSessions(caller: Caller): Promise<SessionView[] | null>;
  /** Revokes one of the caller's sessions by its public id: "revoked", "not_found" (not the caller's, or gone), or "dead_caller". */
  revokeSession(caller: Caller, sid: string, client: ClientMeta): Promise<"revoked" | "not_found" | "dead_caller">;
  /** Revokes every session of the caller's account (the caller's own included); false when the caller's session is dead. */
  revokeAllSessions(caller: Caller, client: ClientMeta): Promise<boolean>;
}
