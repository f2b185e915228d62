// Property: codes are 6 digits drawn from crypto.getRandomValues without modulo
// bias, and only a keyed MAC of a code (bound to its challenge) is ever stored.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../functions/core/crypto";
import { codeMac, generateCode } from "../../functions/core/factors/oob/code";
import { loginWithCode } from "../support/flows";
import { sql } from "../support/sql";

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

describe("code storage", () => {
  it("stores an HMAC bound to the challenge, never the code", async () => {
    const { challengeId, code } = await loginWithCode();
    const [row] = await sql<{ code_mac: string }>("SELECT code_mac FROM challenges WHERE id = $1", [challengeId]);
    expect(row!.code_mac).not.toContain(code);
    expect(row!.code_mac).toBe(await codeMac(utf8(env.SECRET_KEY), challengeId, code));
    expect(row!.code_mac).not.toBe(await codeMac(utf8(env.SECRET_KEY), crypto.randomUUID(), code));
  });
});
