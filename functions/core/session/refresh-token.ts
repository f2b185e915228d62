/**
 * Refresh tokens: opaque `<family id>.<secret>` strings. Only a SHA-256 of the
 * secret is stored (the secret is 256 random bits, so a plain hash is enough);
 * the family id lets one UPDATE find the family by primary key.
 */
import { fromBase64Url, toBase64Url, utf8 } from "../crypto";

const SECRET_BYTES = 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface RefreshToken {
  familyId: string;
  token: string;
  hash: string;
}

async function hashSecret(secret: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(secret))));
}

/** A new token for a family (a new family id at sign-in, the same one when rotating). */
export async function newRefreshToken(familyId: string = crypto.randomUUID()): Promise<RefreshToken> {
  const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
  return { familyId, token: `${familyId}.${secret}`, hash: await hashSecret(secret) };
}

/** Splits and hashes a presented token; null when it is not shaped like one of ours. */
export async function parseRefreshToken(token: string): Promise<{ familyId: string; hash: string } | null> {
  const [familyId, secret, extra] = token.split(".");
  if (extra !== undefined || !familyId || !secret || !UUID.test(familyId)) return null;
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret) || fromBase64Url(secret).byteLength !== SECRET_BYTES) return null;
  return { familyId, hash: await hashSecret(secret) };
}
