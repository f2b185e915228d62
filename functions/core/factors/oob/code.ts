/**
 * One-time codes: generation without modulo bias, and the keyed MAC that is
 * all the database ever holds of a code.
 */
import { deriveKey, hmacSha256, toBase64Url } from "../../crypto";

export const OTP_DIGITS = 6;
const RANGE = 10 ** OTP_DIGITS;
/** The largest multiple of RANGE below 2^32: draws at or above it are thrown away, so every code is equally likely. */
const LIMIT = Math.floor(2 ** 32 / RANGE) * RANGE;

/** A uniformly random 6-digit code from `crypto.getRandomValues`, by rejection sampling. */
export function generateCode(random: (buf: Uint32Array) => Uint32Array = (b) => crypto.getRandomValues(b)): string {
  const buf = new Uint32Array(1);
  for (;;) {
    const value = random(buf)[0]!;
    if (value < LIMIT) return String(value % RANGE).padStart(OTP_DIGITS, "0");
  }
}

/**
 * HMAC-SHA256 of the code, bound to its challenge and keyed by a subkey of
 * SECRET_KEY. The database compares these MACs, never codes: timing of that
 * comparison says nothing about the code, because nobody can compute a MAC
 * without the key. A database dump yields no usable code either.
 */
export async function codeMac(secretKey: Uint8Array, challengeId: string, code: string): Promise<string> {
  return codeMacWith(await codeMacKey(secretKey), challengeId, code);
}

/** The MAC subkey, derived once when many codes are MACed (a TOTP challenge's steps). */
export function codeMacKey(secretKey: Uint8Array): Promise<Uint8Array> {
  return deriveKey(secretKey, "otp-mac/v1");
}

export async function codeMacWith(key: Uint8Array, challengeId: string, code: string): Promise<string> {
  return toBase64Url(await hmacSha256(key, `${challengeId}:${code}`));
}

/** True for a string that looks like a code (so junk never reaches the database). */
export function isCodeShaped(code: string): boolean {
  return code.length === OTP_DIGITS && /^[0-9]+$/.test(code);
}
