/** What factor management needs from storage. Each method is one statement. */
import type { LockoutPolicy } from "../config";

export interface SealedSecret {
  secretSealed: string;
  keyId: string;
}

export type EnrolResult = { status: "pending"; email: string } | { status: "exists" } | { status: "no_account" };

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
  enrolTotp(userId: string, factor: { id: string } & SealedSecret): Promise<EnrolResult>;
  /** The account's pending TOTP enrolment, if it still has attempts left. */
  pendingTotp(userId: string, maxAttempts: number): Promise<PendingTotp | null>;
  /**
   * Activates the pending factor with its first accepted step, if it is still
   * pending with attempts left; in the same statement gives the account its
   * recovery codes if it has no unused ones.
   */
  confirmTotp(userId: string, factorId: string, step: number, maxAttempts: number, recovery: { macs: string[]; keyId: string }): Promise<ConfirmResult>;
  /** Counts a wrong confirmation code on the pending factor and on the account's streak; null if there is nothing pending. */
  failTotpConfirmation(userId: string, factorId: string, maxAttempts: number, lockout: LockoutPolicy): Promise<{ attemptsRemaining: number } | null>;
  /** The account's factors (its e-mail, its phone, its authenticator) and its unused recovery codes. */
  listFactors(userId: string): Promise<{ factors: FactorRow[]; recoveryRemaining: number } | null>;
  /** Removes the authenticator app (active or pending); false when there was none. */
  removeTotp(userId: string): Promise<boolean>;
  /** Replaces every recovery code of the account with these; false when the account is gone. */
  replaceRecoveryCodes(userId: string, recovery: { macs: string[]; keyId: string }): Promise<boolean>;
  /** Up to `limit` authenticator secrets still sealed under `keyId` (the previous key), to reseal after a rotation. */
  totpSealedWith(keyId: string, limit: number): Promise<({ id: string } & SealedSecret)[]>;
  /** Reseals a TOTP secret under the current key (after FACTOR_ENCRYPTION_KEY rotated), if it still holds `oldKeyId`. */
  resealTotp(factorId: string, oldKeyId: string, sealed: SealedSecret): Promise<void>;
}
