/** What sessions (refresh-token families) need from storage. Each method is one statement. */

import type { SignInFacts } from "./tokens";

/** What a right code creates in the same statement: the first refresh token of a new family. */
export interface NewRefresh {
  familyId: string;
  tokenHash: string;
  ttlSeconds: number;
}

export type RotateResult =
  | { outcome: "rotated"; userId: string; expiresInSeconds: number; session: SignInFacts }
  /** A token of the family that is not the current one: the family is now revoked. */
  | { outcome: "reused" }
  | { outcome: "gone" };

export interface SessionStore {
  /** Swaps the family's current refresh token for a new one (the family keeps its expiry), or revokes the family on reuse. */
  rotateRefresh(familyId: string, tokenHash: string, newHash: string): Promise<RotateResult>;
  /** Revokes the family (any of its tokens, current or rotated, may ask). */
  revokeRefresh(familyId: string): Promise<void>;
}
