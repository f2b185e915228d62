// Property: login costs the same for an unknown account, a wrong password and a
// locked account: one statement and one full PBKDF2 derivation each, and the same
// answer. Counting the work, not timing it, keeps the test exact on a noisy machine.
import { afterEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:test";
import { apiWith } from "../support/api";
import { PASSWORD, registerUser, uniqueEmail } from "../support/flows";
import { sql } from "../support/sql";

afterEach(() => vi.restoreAllMocks());

async function loginWork(email: string, password: string) {
  const derive = vi.spyOn(crypto.subtle, "deriveBits");
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
  const response = await apiWith({}, "POST", "/auth/login", { body: { email, password } });
  const iterations = derive.mock.calls.map(([algorithm]) => (algorithm as { iterations: number }).iterations);
  const statements = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request")?.db_statements;
  vi.restoreAllMocks();
  return { response, iterations, statements };
}

describe("equal work on every failed login", () => {
  it("unknown account, wrong password and locked account: same answer, same statements, same hashing", async () => {
    const known = await registerUser();
    const locked = await registerUser();
    await sql("UPDATE users SET locked_at = now() WHERE email = $1", [locked.email]);

    const cases = [
      await loginWork(uniqueEmail("ghost"), PASSWORD),
      await loginWork(known.email, "not the password"),
      await loginWork(locked.email, PASSWORD),
    ];
    for (const c of cases) {
      expect(c.response.status).toBe(401);
      expect(c.response.body).toEqual(cases[0]!.response.body);
      expect(c.iterations).toEqual([Number(env.PASSWORD_ITERATIONS)]);
      expect(c.statements).toBe(1);
    }
  });
});
