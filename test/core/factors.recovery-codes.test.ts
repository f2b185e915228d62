// Property: recovery codes carry 60 uniformly random bits each (over the 50
// that ASVS 6.5.1 asks of a look-up secret) in a typeable `xxxx-xxxx-xxxx`
// form, every way a user may type one maps to that one spelling, and the
// database can hold only a keyed MAC of a code, never the code.
import { describe, expect, it } from "vitest";
import { deriveKey, hmacSha256, toBase64Url, utf8 } from "../../functions/core/crypto";
import {
  RECOVERY_CODE_ALPHABET, RECOVERY_CODE_COUNT, RECOVERY_CODE_LENGTH,
  generateRecoveryCodes, isRecoveryCodeShaped, normalizeRecoveryCode, recoveryCodeMac,
} from "../../functions/core/factors/recovery/codes";

const SHAPE = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;

describe("generation", () => {
  it("gives ten distinct codes in xxxx-xxxx-xxxx form by default", () => {
    const codes = generateRecoveryCodes();
    expect(RECOVERY_CODE_COUNT).toBe(10);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(SHAPE);
    expect(generateRecoveryCodes(3)).toHaveLength(3);
  });

  it("draws 12 characters from the 32 of lowercase base32: 60 bits per code", () => {
    expect(RECOVERY_CODE_ALPHABET).toBe("abcdefghijklmnopqrstuvwxyz234567");
    expect(new Set(RECOVERY_CODE_ALPHABET).size).toBe(32);
    expect(RECOVERY_CODE_LENGTH).toBe(12);
    expect(RECOVERY_CODE_LENGTH * Math.log2(RECOVERY_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(50);
  });

  it("uses every character equally often, in every position", () => {
    const codes = generateRecoveryCodes(3000);
    expect(new Set(codes).size).toBe(3000);
    const counts = new Map<string, number>();
    for (const code of codes) for (const char of code.replace(/-/g, "")) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect([...counts.keys()].sort().join("")).toBe([...RECOVERY_CODE_ALPHABET].sort().join(""));
    // 36000 draws: each character expects 1125 with a standard deviation of ~33; 6 of them is far outside chance.
    for (const count of counts.values()) expect(Math.abs(count - 1125)).toBeLessThan(200);
    // Each position alone also spans the alphabet (a position stuck on a few characters would lose bits).
    for (const position of [0, 5, 13]) expect(new Set(codes.map((code) => code[position])).size).toBe(32);
  });

  it("draws again rather than hand out the same code twice", () => {
    // A source that repeats its first draw: the repeat is thrown away, not returned.
    const draws = [0, 0, 1].map((fill) => new Uint8Array(RECOVERY_CODE_LENGTH).fill(fill));
    const random = (bytes: Uint8Array) => (bytes.set(draws.shift()!), bytes);
    expect(generateRecoveryCodes(2, random)).toEqual(["aaaa-aaaa-aaaa", "bbbb-bbbb-bbbb"]);
    expect(draws).toHaveLength(0);
  });

  it("refuses a count that is not a positive whole number", () => {
    for (const count of [0, -1, 2.5]) expect(() => generateRecoveryCodes(count)).toThrow(RangeError);
  });
});

describe("normalisation", () => {
  it("maps every spelling of a code to its canonical form", () => {
    for (const typed of ["abcd-efgh-jkmn", "ABCD-EFGH-JKMN", "abcdefghjkmn", " abcd efgh jkmn ", "ab-cd-ef-gh-jk-mn", "AbCd\tEfGh-JkMn"]) {
      expect(normalizeRecoveryCode(typed)).toBe("abcd-efgh-jkmn");
      expect(isRecoveryCodeShaped(typed)).toBe(true);
    }
    for (const code of generateRecoveryCodes()) expect(normalizeRecoveryCode(code)).toBe(code);
  });

  it("reads the digits 0 and 1, which codes never contain, as the letters o and l", () => {
    expect(normalizeRecoveryCode("0bcd-efgh-1kmn")).toBe("obcd-efgh-lkmn");
    expect(normalizeRecoveryCode("OBCD-EFGH-LKMN")).toBe("obcd-efgh-lkmn");
  });

  it("returns null for what cannot be a code", () => {
    const bad = [
      "", "abcd-efgh-jkm", "abcd-efgh-jkmnp", "abcd-efgh", // wrong length
      "abcd-efgh-jk8n", "abcd-efgh-jk9n", "abcd_efgh_jkmn", "abcd.efgh.jkmn", "abcd-efgh-jkmé", "abcd-efgh-123456", // wrong characters
    ];
    for (const input of bad) {
      expect(normalizeRecoveryCode(input)).toBeNull();
      expect(isRecoveryCodeShaped(input)).toBe(false);
    }
  });
});

describe("storage", () => {
  const key = utf8(toBase64Url(crypto.getRandomValues(new Uint8Array(36))));

  it("is a stable HMAC-SHA256 of the canonical code under a subkey", async () => {
    const [code] = generateRecoveryCodes(1) as [string];
    const mac = await recoveryCodeMac(key, code);
    expect(mac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await recoveryCodeMac(key, code)).toBe(mac);
    expect(await recoveryCodeMac(key, code.toUpperCase().replace(/-/g, " "))).toBe(mac);
    expect(mac).toBe(toBase64Url(await hmacSha256(await deriveKey(key, "recovery-code-mac/v1"), code)));
  });

  it("depends on the key and the code", async () => {
    const [a, b] = generateRecoveryCodes(2) as [string, string];
    const otherKey = utf8(toBase64Url(crypto.getRandomValues(new Uint8Array(36))));
    expect(await recoveryCodeMac(otherKey, a)).not.toBe(await recoveryCodeMac(key, a));
    expect(await recoveryCodeMac(key, b)).not.toBe(await recoveryCodeMac(key, a));
  });

  it("never contains the code", async () => {
    for (const code of generateRecoveryCodes(50)) {
      const mac = (await recoveryCodeMac(key, code)).toLowerCase();
      expect(mac).not.toContain(code);
      expect(mac).not.toContain(code.replace(/-/g, ""));
    }
  });

  it("refuses to MAC what is not a code", async () => {
    await expect(recoveryCodeMac(key, "not a code")).rejects.toThrow(RangeError);
  });
});
