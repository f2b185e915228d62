/**
 * Refresh tokens: opaque `<family id>.<secret>` strings. Only a SHA-256 of the
 * secret is stored (the secret is 256 bits no one can guess, so a plain hash is
 * enough); the family id lets one UPDATE find the family by primary key.
 *
 * A sign-in's first secret is random. Each next one is derived from the secret
 * it replaces with a server key (HMAC-SHA256 under a subkey of SECRET_KEY), so
 * a refresh retried after its answer was lost recomputes the same next token
 * instead of looking like reuse; without the key, a token says nothing about
 * its successor.
 */
import { deriveKey, fromBase64Url, hmacSha256, toBase64Url, utf8 } from "../crypto";

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

export interface PresentedToken {
  familyId: string;
  secret: string;
  hash: string;
}

/** Splits and hashes a presented token; null when it is not shaped like one of ours. */
export async function parseRefreshToken(token: string): Promise<PresentedToken | null> {
  const [familyId, secret, extra] = token.split(".");
  if (extra !== undefined || !familyId || !secret || !UUID.test(familyId)) return null;
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret) || fromBase64Url(secret).byteLength !== SECRET_BYTES) return null;
  return { familyId, secret, hash: await hashSecret(secret) };
}

/** The token that replaces `presented` when it rotates: the same every time it is asked for. */
export async function nextRefreshToken(presented: PresentedToken, secretKey: Uint8Array): Promise<RefreshToken> {
  const key = await deriveKey(secretKey, "refresh-next/v1");
  const secret = toBase64Url(await hmacSha256(key, `${presented.familyId}.${presented.secret}`));
  return { familyId: presented.familyId, token: `${presented.familyId}.${secret}`, hash: await hashSecret(secret) };
}
