/**
 * Recovery codes: the look-up secrets (NIST SP 800-63B-4, OWASP ASVS 5.0 §6.5)
 * a user prints or stores when enrolling a second factor, each good once.
 * Generation, the one canonical spelling, and the keyed MAC that is all the
 * database ever holds of a code (ASVS 6.5.2).
 */
import { deriveKey, hmacSha256, toBase64Url } from "../../crypto";

export const RECOVERY_CODE_COUNT = 10;
/** Lowercase RFC 4648 base32: no 0/1/8/9, so nothing to confuse with o/l/b/g once printed. */
export const RECOVERY_CODE_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
/** 12 characters of 5 bits: 60 bits, above the 50 bits that ASVS 6.5.1 asks of a look-up secret. */
export const RECOVERY_CODE_LENGTH = 12;
const GROUP = 4;

/**
 * Typing slips we forgive: 0 for o and 1 for l. Neither digit is in the
 * alphabet, so the mapping never turns one valid code into another and does
 * not widen what a guesser can reach; it only spares a user who copied a code
 * off paper. 8 and 9 stay errors: b and g are rarely misread as them.
 */
const TYPOS: Record<string, string> = { "0": "o", "1": "l" };

/**
 * `count` distinct fresh codes in `xxxx-xxxx-xxxx` form, shown to the user once.
 * `random` is replaceable only so tests can force a repeat.
 */
export function generateRecoveryCodes(
  count = RECOVERY_CODE_COUNT,
  random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes),
): string[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError("recovery code count must be a positive whole number");
  const codes = new Set<string>();
  while (codes.size < count) codes.add(randomCode(random));
  return [...codes];
}

function randomCode(random: (bytes: Uint8Array) => Uint8Array): string {
  // 256 is a multiple of 32, so the low 5 bits of a random byte are uniform: no modulo bias.
  const bytes = random(new Uint8Array(RECOVERY_CODE_LENGTH));
  let raw = "";
  for (const byte of bytes) raw += RECOVERY_CODE_ALPHABET[byte & 31];
  return group(raw);
}

function group(raw: string): string {
  const parts: string[] = [];
  for (let i = 0; i < raw.length; i += GROUP) parts.push(raw.slice(i, i + GROUP));
  return parts.join("-");
}

/**
 * The canonical `xxxx-xxxx-xxxx` spelling of what a user typed (any case,
 * dashes and spaces anywhere, 0/1 slips), or null when it cannot be a code,
 * so junk never reaches the database.
 */
export function normalizeRecoveryCode(input: string): string | null {
  const raw = input
    .toLowerCase()
    .replace(/[\s-]+/g, "")
    .replace(/[01]/g, (digit) => TYPOS[digit]!);
  if (raw.length !== RECOVERY_CODE_LENGTH) return null;
  for (const char of raw) if (!RECOVERY_CODE_ALPHABET.includes(char)) return null;
  return group(raw);
}

/** True for input that normalises to a recovery code. */
export function isRecoveryCodeShaped(input: string): boolean {
  return normalizeRecoveryCode(input) !== null;
}

/**
 * HMAC-SHA256 of the canonical code under a subkey of `secretKey`. With the key
 * outside the database, a dump of these MACs cannot be searched offline, which
 * a plain hash of a 60-bit code could be. Throws on input that is not a code.
 */
export async function recoveryCodeMac(secretKey: Uint8Array, code: string): Promise<string> {
  const canonical = normalizeRecoveryCode(code);
  if (canonical === null) throw new RangeError("not a recovery code");
  const key = await deriveKey(secretKey, "recovery-code-mac/v1");
  return toBase64Url(await hmacSha256(key, canonical));
}
