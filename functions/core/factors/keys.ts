/**
 * FACTOR_ENCRYPTION_KEY in use: the keyring that seals TOTP secrets, and the
 * recovery-code MACs under each configured key. Kept apart from SECRET_KEY, so
 * rotating SECRET_KEY stays cheap and never destroys an enrolment.
 */
import type { Config } from "../config";
import { configInvalid, configMissing } from "../errors";
import { makeKeyring, openSecret, type SecretKeyring } from "../secret-box";
import type { SealedSecret } from "./store";
import { normalizeRecoveryCode, recoveryCodeMac } from "./recovery/codes";

/** The keyring, or `missing_factor_encryption_key` when authenticator apps are not configured. */
export function factorKeyring(config: Config): Promise<SecretKeyring> {
  if (!config.factorKeys) throw configMissing("FACTOR_ENCRYPTION_KEY");
  return makeKeyring(config.factorKeys.current, config.factorKeys.previous);
}

/** Binds a sealed TOTP secret to its row: a ciphertext copied to another factor will not open. */
export function totpContext(factorId: string): string {
  return `totp:${factorId}`;
}

/** Opens an enrolled TOTP secret; a row no configured key opens is a configuration error, not the user's. */
export async function openTotpSecret(ring: SecretKeyring, factor: { id: string } & SealedSecret): Promise<Uint8Array> {
  const secret = await openSecret(ring, factor.keyId, factor.secretSealed, totpContext(factor.id));
  if (!secret) {
    throw configInvalid("FACTOR_ENCRYPTION_KEY", "does not open a stored authenticator secret (was FACTOR_ENCRYPTION_KEY_PREVIOUS removed too early?)");
  }
  return secret;
}

/** The MAC of a recovery code under the current key, for storing. */
export async function recoveryMacForStorage(ring: SecretKeyring, code: string): Promise<string> {
  return recoveryCodeMac(ring.current.key, code);
}

/**
 * What a presented code would be stored as, under each configured key (codes
 * made before a rotation were MACed under the previous one); none when it is not
 * shaped like a recovery code or recovery codes are not configured.
 */
export async function presentedRecoveryMacs(config: Config, code: string): Promise<string[]> {
  if (!config.factorKeys || normalizeRecoveryCode(code) === null) return [];
  const keys = [config.factorKeys.current, config.factorKeys.previous].filter((key): key is Uint8Array => key !== undefined);
  return Promise.all(keys.map((key) => recoveryCodeMac(key, code)));
}
