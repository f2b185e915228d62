// Property: a login sent again with the same Idempotency-Key is the same sign-in:
// it answers the same challenge with a new code (counted as every code is),
// and the current code verifies it. Once the sign-in has ended, the key is
// refused with 409 and counts nothing. Another key is another login, under the
// cooldown between challenges. A malformed key is a 400 naming the header. (The retry of a login whose answer was lost, the case the
// key exists for, is in database.cut.test.ts.)
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { currentCode, PASSWORD, registerUser } from "../support/flows";
import { sql } from "../support/sql";

const login = (email: string, key?: string) =>
  api("POST", "/auth/login", { body: { email, password: PASSWORD }, headers: key === undefined ? {} : { "idempotency-key": key } });

describe.concurrent("POST /auth/login with an Idempotency-Key", () => {
  it("answers a repeat with the same challenge and a new code that signs in, counted as a second code", async () => {
    const user = await registerUser();
    const key = crypto.randomUUID();
    const first = await login(user.email, key);
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const again = await login(user.email, key);
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body).toMatchObject({ challenge_id: first.body.challenge_id, channel: "email", destination: first.body.destination, expires_in: 300 });
    expect(await sql("SELECT sends FROM challenges WHERE id = $1", [first.body.challenge_id])).toEqual([{ sends: 2 }]);
    const [codes] = await sql<{ count: number }>("SELECT count FROM rate_limits WHERE key = $1", [`codes_account:${user.id}`]);
    expect(codes!.count).toBe(2);

    // The first send may have gone out before the repeat replaced it; the current send's code is the one that works.
    const code = await currentCode(user.email, first.body.challenge_id);
    const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: first.body.challenge_id, code } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);

    // The sign-in has ended: the key is spent, and nothing more is counted.
    expectError(await login(user.email, key), "idempotency_conflict");
    expect(await sql("SELECT count(*)::int AS n FROM challenges WHERE user_id = $1", [user.id])).toEqual([{ n: 1 }]);
    const [after] = await sql<{ count: number }>("SELECT count FROM rate_limits WHERE key = $1", [`codes_account:${user.id}`]);
    expect(after!.count).toBe(2);
  });

  it("treats another key as another login: the code cooldown applies", async () => {
    const user = await registerUser();
    expect((await login(user.email, crypto.randomUUID())).status).toBe(202);
    const other = await login(user.email, crypto.randomUUID());
    expectError(other, "rate_limited");
    expect(Number(other.headers.get("retry-after"))).toBeLessThanOrEqual(60);
  });

  it.each([
    ["has a space", "two words"],
    ["is too long", "k".repeat(129)],
    ["has a control character", "tab\there"],
  ])("refuses a key that %s, naming the header", async (_, key) => {
    const user = await registerUser();
    const response = await login(user.email, key);
    expectError(response, "invalid_request");
    expect(response.body.error.details).toEqual([{ field: "Idempotency-Key", message: expect.stringContaining("visible ASCII") }]);
    expect(await sql("SELECT id FROM challenges WHERE user_id = $1", [user.id])).toHaveLength(0);
  });
});
