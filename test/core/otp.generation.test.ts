// Property: codes are 6 digits drawn from crypto.getRandomValues without modulo
// bias (draws from the biased top of the 32-bit range are thrown away), and what
// is kept of a code is a keyed MAC bound to its challenge: the same code for
// another challenge, or under another key, has another MAC.
import { describe, expect, it } from "vitest";
import { codeMac, generateCode, isCodeShaped } from "../../functions/core/factors/oob/code";
import { coreConfig } from "../support/core";

describe("code generation", () => {
  it("always gives six digits, including leading zeros", () => {
    expect(generateCode((b) => ((b[0] = 42), b))).toBe("000042");
    for (let i = 0; i < 1000; i++) expect(generateCode()).toMatch(/^\d{6}$/);
  });

  it("throws away draws from the biased top of the 32-bit range", () => {
    // 4294000000 and above would make codes 000000..967295 more likely; they are redrawn.
    const draws = [4_294_967_295, 4_294_000_000, 123_456_789];
    const random = (b: Uint32Array) => ((b[0] = draws.shift()!), b);
    expect(generateCode(random)).toBe("456789");
    expect(draws).toHaveLength(0);
    // The last accepted value: 4293999999 % 1e6.
    expect(generateCode((b) => ((b[0] = 4_293_999_999), b))).toBe("999999");
  });

  it("spreads codes evenly over the leading digit", () => {
    const counts = new Array(10).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[Number(generateCode()[0])]++;
    // Each bucket expects 2000; 6 standard deviations (~255) is far outside chance.
    for (const count of counts) expect(Math.abs(count - n / 10)).toBeLessThan(255);
  });
});

describe("code MACs", () => {
  it("bind a code to its challenge and key, and never contain it", async () => {
    const key = coreConfig().secretKey;
    const challenge = crypto.randomUUID();
    const mac = await codeMac(key, challenge, "123456");
    expect(mac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mac).not.toContain("123456");
    expect(await codeMac(key, challenge, "123456")).toBe(mac);
    expect(await codeMac(key, crypto.randomUUID(), "123456")).not.toBe(mac);
    expect(await codeMac(key, challenge, "123457")).not.toBe(mac);
    expect(await codeMac(coreConfig({ SECRET_KEY: "another-secret-key-0123456789abcdefghijklmnopq" }).secretKey, challenge, "123456")).not.toBe(mac);
  });

  it("are computed only for code-shaped input", () => {
    expect(["123456", "000000"].every(isCodeShaped)).toBe(true);
    expect(["12345", "1234567", "12345a", "１２３４５６", " 12345", ""].some(isCodeShaped)).toBe(false);
  });
});
