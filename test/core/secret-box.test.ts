// Property: a factor secret sealed at rest opens only with its key, in the
// row (context) it was sealed for, and unaltered; after a key rotation old
// rows still open with the previous key and are flagged for resealing; the
// stored value never shows the secret, and the key id never shows the key.
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url, utf8 } from "../../functions/core/crypto";
import { keyIdOf, makeKeyring, needsReseal, openSecret, sealSecret } from "../../functions/core/secret-box";

const newKey = () => utf8(toBase64Url(crypto.getRandomValues(new Uint8Array(36))));
const secret = () => crypto.getRandomValues(new Uint8Array(20));

describe("sealing and opening", () => {
  it("opens what it sealed, in the same context", async () => {
    const ring = await makeKeyring(newKey());
    const plaintext = secret();
    const { keyId, sealed } = await sealSecret(ring, plaintext, "totp:f1");
    expect(keyId).toBe(ring.current.id);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    // iv (12) || ciphertext (20) || tag (16)
    expect(fromBase64Url(sealed)).toHaveLength(12 + 20 + 16);
    expect(await openSecret(ring, keyId, sealed, "totp:f1")).toEqual(plaintext);
    expect(await openSecret(ring, keyId, (await sealSecret(ring, new Uint8Array(0), "c")).sealed, "c")).toEqual(new Uint8Array(0));
  });

  it("uses a fresh IV each time, so sealing twice gives different values", async () => {
    const ring = await makeKeyring(newKey());
    const plaintext = secret();
    const a = await sealSecret(ring, plaintext, "totp:f1");
    const b = await sealSecret(ring, plaintext, "totp:f1");
    expect(a.sealed).not.toBe(b.sealed);
    expect(a.sealed.slice(0, 16)).not.toBe(b.sealed.slice(0, 16));
  });

  it("will not open in another context (another row or kind of secret)", async () => {
    const ring = await makeKeyring(newKey());
    const { keyId, sealed } = await sealSecret(ring, secret(), "totp:f1");
    for (const context of ["totp:f2", "recovery:f1", "", "totp:f1 "]) expect(await openSecret(ring, keyId, sealed, context)).toBeNull();
  });

  it("will not open after any bit of the stored bytes is flipped, or when cut short", async () => {
    const ring = await makeKeyring(newKey());
    const { keyId, sealed } = await sealSecret(ring, secret(), "totp:f1");
    const bytes = fromBase64Url(sealed);
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice();
      tampered[i]! ^= 1 << (i % 8);
      expect(await openSecret(ring, keyId, toBase64Url(tampered), "totp:f1")).toBeNull();
    }
    expect(await openSecret(ring, keyId, toBase64Url(bytes.subarray(0, 27)), "totp:f1")).toBeNull();
    expect(await openSecret(ring, keyId, "not*base64", "totp:f1")).toBeNull();
  });

  it("will not open under an unknown key id, or with a different key", async () => {
    const ring = await makeKeyring(newKey());
    const { sealed } = await sealSecret(ring, secret(), "totp:f1");
    expect(await openSecret(ring, "AAAAAAAA", sealed, "totp:f1")).toBeNull();
    const other = await makeKeyring(newKey());
    expect(await openSecret(other, other.current.id, sealed, "totp:f1")).toBeNull();
  });

  it("encrypts under a subkey, not the configured bytes themselves", async () => {
    const keyBytes = crypto.getRandomValues(new Uint8Array(32));
    const ring = await makeKeyring(keyBytes);
    const bytes = fromBase64Url((await sealSecret(ring, secret(), "c")).sealed);
    const raw = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
    const decrypt = crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: utf8("c") }, raw, bytes.subarray(12));
    await expect(decrypt).rejects.toThrow();
  });

  it("never shows the plaintext in what it stores", async () => {
    const ring = await makeKeyring(newKey());
    const plaintext = utf8("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    const { sealed } = await sealSecret(ring, plaintext, "totp:f1");
    expect(sealed).not.toContain("JBSWY3DP");
    expect(sealed).not.toContain(toBase64Url(plaintext).slice(0, 12));
    const stored = fromBase64Url(sealed);
    const needle = plaintext.subarray(0, 8);
    const found = stored.some((_, i) => needle.every((byte, j) => stored[i + j] === byte));
    expect(found).toBe(false);
  });
});

describe("key rotation", () => {
  it("opens rows sealed under the previous key and asks for them to be resealed", async () => {
    const oldKey = newKey();
    const before = await makeKeyring(oldKey);
    const plaintext = secret();
    const row = await sealSecret(before, plaintext, "totp:f1");
    expect(needsReseal(before, row.keyId)).toBe(false);

    const after = await makeKeyring(newKey(), oldKey);
    expect(after.previous?.id).toBe(row.keyId);
    expect(needsReseal(after, row.keyId)).toBe(true);
    expect(await openSecret(after, row.keyId, row.sealed, "totp:f1")).toEqual(plaintext);

    const resealed = await sealSecret(after, plaintext, "totp:f1");
    expect(resealed.keyId).toBe(after.current.id);
    expect(needsReseal(after, resealed.keyId)).toBe(false);
    // Once the previous key is dropped, rows not yet resealed no longer open.
    const later = await makeKeyring(after.current.key);
    expect(await openSecret(later, row.keyId, row.sealed, "totp:f1")).toBeNull();
    expect(await openSecret(later, resealed.keyId, resealed.sealed, "totp:f1")).toEqual(plaintext);
  });

  it("derives a short, stable key id that differs per key and reveals nothing of it", async () => {
    const key = newKey();
    const id = await keyIdOf(key);
    expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(await keyIdOf(key.slice())).toBe(id);
    expect(await keyIdOf(newKey())).not.toBe(id);
    expect(new TextDecoder().decode(key)).not.toContain(id);
    expect(toBase64Url(key)).not.toContain(id);
  });
});
