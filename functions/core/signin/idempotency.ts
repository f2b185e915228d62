/**
 * Login's optional Idempotency-Key (draft-ietf-httpapi-idempotency-key-header):
 * a client that may retry a login whose answer it never got sends the same key
 * again, and gets the same challenge back instead of a second one. The
 * challenge's id is derived from the key, so the retry computes it before any
 * statement, and the code's MAC (bound to the id) fits the row the first
 * attempt may have written. Derived with a subkey of SECRET_KEY, bound to the
 * account and the factor: nobody can guess another login's challenge id from a
 * key, and one key never reaches another account's challenge.
 */
import { deriveKey, hmacSha256 } from "../crypto";
import type { FactorType } from "../types";

/** What the header may hold: 1 to 128 visible ASCII characters (a UUID, a ULID, a random string). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/** A UUID (version 8, RFC 9562 §5.8) from the key, the account and the factor. */
export async function challengeIdFor(secretKey: Uint8Array, userId: string, factor: FactorType, idempotencyKey: string): Promise<string> {
  const key = await deriveKey(secretKey, "login-idempotency/v1");
  const bytes = (await hmacSha256(key, `${userId}\u0000${factor}\u0000${idempotencyKey}`)).slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
