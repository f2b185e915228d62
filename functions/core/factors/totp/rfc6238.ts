/**
 * TOTP (RFC 6238) on HOTP (RFC 4226) with the parameters every authenticator
 * app assumes when it scans a QR code: HMAC-SHA1, 6 digits, 30 s. SHA-1 is
 * fine here: HOTP needs only HMAC's pseudo-randomness, not collision resistance.
 */
import { timingSafeEqual, utf8 } from "../../crypto";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** 160 bits, the secret length RFC 4226 §4 recommends (and the HMAC-SHA1 block-size sweet spot). */
export const TOTP_SECRET_BYTES = 20;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** Unpadded base32 ends on 0, 2, 4, 5 or 7 characters of a block; other lengths cannot come from any bytes. */
const VALID_TAIL = new Set([0, 2, 4, 5, 7]);

/** A fresh random TOTP secret, to be sealed at rest and shown once as a QR code. */
export function newTotpSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(TOTP_SECRET_BYTES));
}

/** RFC 4648 §6 base32, uppercase and unpadded: the form authenticator apps expect in `secret=`. */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let value = 0;
  let bits = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(value >>> bits) & 31];
    }
    value &= (1 << bits) - 1; // keep only unread bits, so `value` never outgrows 32 bits
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Base32 back to bytes, forgiving what people do when typing a secret by hand
 * (lowercase, spaces, trailing `=`), or null when it is not base32. Leftover
 * bits must be zero (RFC 4648 §3.5), so each byte string has exactly one spelling.
 */
export function base32Decode(text: string): Uint8Array | null {
  const clean = text.replace(/\s+/g, "").replace(/=+$/, "").toUpperCase();
  if (!VALID_TAIL.has(clean.length % 8)) return null;
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let value = 0;
  let bits = 0;
  let index = 0;
  for (const char of clean) {
    const digit = BASE32.indexOf(char);
    if (digit < 0) return null;
    value = ((value << 5) | digit) & 0xfff; // at most 12 bits are ever pending
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >>> bits) & 0xff;
    }
  }
  return (value & ((1 << bits) - 1)) === 0 ? out : null;
}

/** The RFC 6238 time step (T0 = 0) that `epochSeconds` falls in. */
export function timeStep(epochSeconds: number): number {
  return Math.floor(epochSeconds / TOTP_PERIOD_SECONDS);
}

/** The RFC 4226 §5.3 one-time password for `counter` (any whole number from 0 to 2^53), zero-padded. */
export async function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): Promise<string> {
  if (!Number.isInteger(counter) || counter < 0 || counter > 2 ** 53) throw new RangeError("HOTP counter must be a whole number from 0 to 2^53");
  // RFC 4226 R4 requires at least 6 digits; beyond 8, 31 bits no longer spread evenly over the codes.
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) throw new RangeError("HOTP digits must be 6, 7 or 8");
  const message = new DataView(new ArrayBuffer(8));
  // 8-byte big-endian; JS bit operators stop at 32 bits, so the high word is split off by division.
  message.setUint32(0, Math.floor(counter / 2 ** 32));
  message.setUint32(4, counter >>> 0);
  const key = await crypto.subtle.importKey("raw", secret as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new DataView(await crypto.subtle.sign("HMAC", key, message));
  const offset = mac.getUint8(mac.byteLength - 1) & 0x0f;
  const binary = mac.getUint32(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The TOTP code an authenticator app shows at `epochSeconds`. */
export function totpAt(secret: Uint8Array, epochSeconds: number, digits = TOTP_DIGITS): Promise<string> {
  return hotp(secret, timeStep(epochSeconds), digits);
}

/**
 * The Key URI that authenticator apps read from a QR code. The issuer appears
 * both in the label and as a parameter, which is what current apps use to
 * group accounts; a colon in it would make the label ambiguous to older apps.
 */
export function otpauthUri(options: { issuer: string; account: string; secret: Uint8Array }): string {
  const { issuer, account, secret } = options;
  if (issuer.length === 0 || issuer.includes(":")) throw new RangeError("TOTP issuer must be non-empty and contain no colon");
  const encodedIssuer = encodeURIComponent(issuer);
  const label = `${encodedIssuer}:${encodeURIComponent(account)}`;
  return (
    `otpauth://totp/${label}?secret=${base32Encode(secret)}&issuer=${encodedIssuer}` +
    `&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`
  );
}

/**
 * The time step within `window` steps of `epochSeconds` whose code is `code`,
 * or null. The window forgives clock drift and slow typing; returning the step
 * lets the caller refuse a step it already accepted (RFC 6238 §5.2, no replay).
 * The most recent step wins, so a stored "last step" moves as far as it can.
 */
export async function matchTotp(secret: Uint8Array, code: string, epochSeconds: number, window = 1): Promise<number | null> {
  if (!Number.isInteger(window) || window < 0) throw new RangeError("TOTP window must be a whole number of steps");
  if (code.length !== TOTP_DIGITS || !/^[0-9]+$/.test(code)) return null;
  const now = timeStep(epochSeconds);
  const steps: number[] = [];
  for (let step = now + window; step >= now - window; step--) if (step >= 0) steps.push(step);
  const given = utf8(code);
  const expected = await Promise.all(steps.map((step) => hotp(secret, step)));
  // Every candidate is compared, so the time taken does not tell which step (if any) matched.
  let match: number | null = null;
  expected.forEach((candidate, i) => {
    if (timingSafeEqual(utf8(candidate), given) && match === null) match = steps[i]!;
  });
  return match;
}
