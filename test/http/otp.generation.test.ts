// Property: only a keyed MAC of a code, bound to its challenge, is ever stored:
// the row holds the MAC the worker's SECRET_KEY gives for the code that was
// delivered, never the code. (How codes are drawn is a core test:
// test/core/otp.generation.test.ts.)
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../functions/core/crypto";
import { codeMac } from "../../functions/core/factors/oob/code";
import { loginWithCode } from "../support/flows";
import { sql } from "../support/sql";

describe("code storage", () => {
  it("stores an HMAC bound to the challenge, never the code", async () => {
    const { challengeId, code } = await loginWithCode();
    const [row] = await sql<{ code_mac: string }>("SELECT code_mac FROM challenges WHERE id = $1", [challengeId]);
    expect(row!.code_mac).not.toContain(code);
    expect(row!.code_mac).toBe(await codeMac(utf8(env.SECRET_KEY), challengeId, code));
    expect(row!.code_mac).not.toBe(await codeMac(utf8(env.SECRET_KEY), crypto.randomUUID(), code));
  });
});
