/**
 * Factor secrets at rest (TOTP seeds and the like): AES-256-GCM under
 * FACTOR_ENCRYPTION_KEY, which is kept apart from SECRET_KEY so either can
 * rotate without touching the other. Each ciphertext is stored with the id of
 * the key that sealed it, so after a rotation old rows still open with the
 * previous key and are resealed under the current one as they are used.
 */
import { deriveKey, fromBase64Url, toBase64Url, utf8 } from "./crypto";

/** The configured keys: `current` seals, both open. */
export interface SecretKeyring {
  current: { id: string; key: Uint8Array };
  previous?: { id: string; key: Uint8Array };
}

const IV_BYTES = 12;

/**
 * A short stable id for a key: 48 bits of a purpose-labelled HMAC under it.
 * Derived rather than configured, so an id can never be paired with the wrong
 * key, and one-way, so storing it beside every row reveals nothing of the key.
 */
export async function keyIdOf(keyBytes: Uint8Array): Promise<string> {
  return toBase64Url(await deriveKey(keyBytes, "secret-box/key-id/v1")).slice(0, 8);
}

/** A keyring from the configured key bytes, with ids from `keyIdOf`. */
export async function makeKeyring(current: Uint8Array, previous?: Uint8Array): Promise<SecretKeyring> {
  const ring: SecretKeyring = { current: { id: await keyIdOf(current), key: current } };
  if (previous) ring.previous = { id: await keyIdOf(previous), key: previous };
  return ring;
}

// The configured bytes are a passphrase-like string; the AES key is a subkey for this purpose alone.
async function aesKey(keyBytes: Uint8Array, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", await deriveKey(keyBytes, "secret-box/aes-256-gcm/v1"), "AES-GCM", false, [usage]);
}

/**
 * Seals `plaintext` under the current key as base64url(iv || ciphertext+tag).
 * `context` (say `totp:<factor id>`) is bound as additional data, so a sealed
 * value copied into another row, or another kind of row, will not open there.
 */
export async function sealSecret(ring: SecretKeyring, plaintext: Uint8Array, context: string): Promise<{ keyId: string; sealed: string }> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(context) },
    await aesKey(ring.current.key, "encrypt"),
    plaintext as Uint8Array<ArrayBuffer>,
  );
  const sealed = new Uint8Array(IV_BYTES + data.byteLength);
  sealed.set(iv);
  sealed.set(new Uint8Array(data), IV_BYTES);
  return { keyId: ring.current.id, sealed: toBase64Url(sealed) };
}

/** The plaintext, or null when the key id is unknown, the value was tampered with, or the context differs. */
export async function openSecret(ring: SecretKeyring, keyId: string, sealed: string, context: string): Promise<Uint8Array | null> {
  const entry = [ring.current, ring.previous].find((candidate) => candidate?.id === keyId);
  if (!entry) return null;
  try {
    const bytes = fromBase64Url(sealed);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: utf8(context) },
      await aesKey(entry.key, "decrypt"),
      bytes.subarray(IV_BYTES),
    );
    return new Uint8Array(plain);
  } catch {
    // Bad base64 (atob throws), a value too short to hold an IV and tag, and a failed tag check all mean "cannot open".
    return null;
  }
}

/** True when a value sealed under `keyId` should be sealed again under the current key. */
export function needsReseal(ring: SecretKeyring, keyId: string): boolean {
  return keyId !== ring.current.id;
}
