/** What factor management needs from storage. Each method is one statement. */
import type { LockoutPolicy } from "../config";
import type { Caller, ClientMeta } from "../types";

export interface SealedSecret {
  secretSealed: string;
  keyId: string;
}

/** `dead_caller`: the token's session is revoked or gone (or the account is): the route answers 401. */
export type EnrolResult = { status: "pending"; email: string } | { status: "exists" } | { status: "dead_caller" };

export interface PendingTotp extends SealedSecret {
  id: string;
  attempts: number;
}

export type ConfirmResult = { outcome: "confirmed"; recoveryCodesCreated: boolean } | { outcome: "gone" };

/** One enrolled factor as `GET /auth/factors` lists it. */
export interface FactorRow {
  id: string;
  type: "email" | "sms" | "totp";
  status: "active" | "pending";
  destination: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface FactorStore {
  /** Starts, or replaces, a pending TOTP enrolment; never touches an active one. */
  enrolTotp(caller: Caller, factor: { id: string } & SealedSecret): Promise<EnrolResult>;
  /** The account's pending TOTP enrolment, if it still has attempts left; `dead_caller` when the session is not live. */
  pendingTotp(caller: Caller, maxAttempts: number): Promise<PendingTotp | null | "dead_caller">;
  /**
   * Activates the pending factor with its first accepted step, if it is still
   * pending with attempts left; in the same statement gives the account its
   * recovery codes if it has no unused ones.
   */
  confirmTotp(userId: string, factorId: string, step: number, maxAttempts: number, recovery: { macs: string[]; keyId: string }, client: ClientMeta): Promise<ConfirmResult>;
  /** Counts a wrong confirmation code on the pending factor and on the account's streak; null if there is nothing pending. */
  failTotpConfirmation(userId: string, factorId: string, maxAttempts: number, lockout: LockoutPolicy): Promise<{ attemptsRemaining: number } | null>;
  /** The account's factors (its e-mail, its phone, its authenticator) and its unused recovery codes. */
  listFactors(caller: Caller): Promise<{ factors: FactorRow[]; recoveryRemaining: number } | null>;
  /** Removes the authenticator app (active or pending) and logs `factor_removed`. */
  removeTotp(caller: Caller, client: ClientMeta): Promise<"removed" | "none" | "dead_caller">;
  /** Replaces every recovery code of the account with these and logs `recovery_codes_regenerated`; false when the caller's session is dead. */
  replaceRecoveryCodes(caller: Caller, recovery: { macs: string[]; keyId: string }, client: ClientMeta): Promise<boolean>;
  /** Up to `limit` authenticator secrets still sealed under `keyId` (the previous key), to reseal after a rotation. */
  totpSealedWith(keyId: string, limit: number): Promise<({ id: string } & SealedSecret)[]>;
  /** Reseals a TOTP secret under the current key (after FACTOR_ENCRYPTION_KEY rotated), if it still holds `oldKeyId`. */
  resealTotp(factorId: string, oldKeyId: string, sealed: SealedSecret): Promise<void>;
}
