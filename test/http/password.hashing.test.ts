// Property: passwords are hashed with PBKDF2-SHA256 at no more than 100,000
// iterations (the production Workers limit, which local workerd does not enforce),
// salted, peppered, and stored with their parameters.
import { describe, expect, it, vi } from "vitest";
import { apiWith } from "../support/api";
import { uniqueEmail } from "../support/flows";
import { sql } from "../support/sql";
import { DUMMY_HASH, hashPassword, PBKDF2_ITERATIONS, PBKDF2_MAX_ITERATIONS, verifyPassword } from "../../functions/core/account/password";

const pepper = new TextEncoder().encode("p".repeat(32));
const otherPepper = new TextEncoder().encode("q".repeat(32));

describe("password hashing", () => {
  it("never exceeds the production Workers PBKDF2 cap of 100,000 iterations", async () => {
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
    await expect(hashPassword("a long password", pepper, 100_001)).rejects.toThrow(RangeError);
    // A stored hash that claims more is refused rather than run.
    const stored = await hashPassword("a long password", pepper, 1_000);
    expect(await verifyPassword("a long password", stored.replace("$1000$", "$100001$"), pepper)).toBe(false);
  });

  it("stores scheme, iterations, salt and hash, and salts every hash differently", async () => {
    const a = await hashPassword("same password", pepper);
    const b = await hashPassword("same password", pepper);
    expect(a).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("same password");
  });

  it("verifies the right password, with the right pepper only", async () => {
    const stored = await hashPassword("correct horse", pepper, 1_000);
    expect(await verifyPassword("correct horse", stored, pepper)).toBe(true);
    expect(await verifyPassword("correct hors", stored, pepper)).toBe(false);
    expect(await verifyPassword("correct horse", stored, otherPepper)).toBe(false);
  });

  it("keeps verifying old hashes after the cost changes (parameters travel with the hash)", async () => {
    const old = await hashPassword("upgrade me", pepper, 10_000);
    expect(await verifyPassword("upgrade me", old, pepper)).toBe(true);
  });

  it("has a dummy hash that is well-formed, so unknown users cost a full derivation", async () => {
    expect(DUMMY_HASH).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword("anything", DUMMY_HASH, pepper)).toBe(false);
    expect(await verifyPassword("anything", "garbage", pepper)).toBe(false);
  });
});

describe("password hashing as deployed", () => {
  // The suite runs with cheap hashing (PASSWORD_ITERATIONS=1000); unset, as in
  // production, registration and the dummy hash of an unknown login pay 100,000.
  it("hashes at 100,000 iterations when PASSWORD_ITERATIONS is not set", async () => {
    const production = { PASSWORD_ITERATIONS: undefined };
    const email = uniqueEmail("cost");
    expect((await apiWith(production, "POST", "/auth/register", { body: { email, password: "a long enough passphrase" } })).status).toBe(201);
    const [row] = await sql<{ password_hash: string }>("SELECT password_hash FROM users WHERE email = $1", [email]);
    expect(row!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);

    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    await apiWith(production, "POST", "/auth/login", { body: { email: uniqueEmail("ghost"), password: "whatever it is" } });
    expect(derive.mock.calls.map(([algorithm]) => (algorithm as { iterations: number }).iterations)).toEqual([100_000]);
    derive.mockRestore();
  });
});
