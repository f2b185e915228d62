// Property: a signed-in user changes the password with the current one; every
// other session ends and the caller's own survives. A wrong current password is
// 400 invalid_credentials (on a bearer route 401 means only a bad token),
// counted and logged like a failed sign-in. The new one follows the
// registration rules, breached passwords included.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { eventually } from "../support/eventually";
import { PASSWORD, signIn, signInAgain } from "../support/flows";
import { sql } from "../support/sql";

const NEW_PASSWORD = "my new and much longer passphrase";
const change = (token: string, current: string, next = NEW_PASSWORD) =>
  api("POST", "/auth/password/change", { token, body: { current_password: current, new_password: next } });

describe("change password", () => {
  it("changes it, ends every other session, keeps the caller's", async () => {
    const mine = await signIn();
    const other = await signInAgain(mine.user);
    expect((await change(mine.accessToken, PASSWORD)).status).toBe(204);
    expectError(await api("POST", "/auth/token/refresh", { body: { refresh_token: other.refreshToken } }), "invalid_token");
    expect((await api("POST", "/auth/token/refresh", { body: { refresh_token: mine.refreshToken } })).status).toBe(200);
    expectError(await api("POST", "/auth/login", { body: { email: mine.user.email, password: PASSWORD } }), "invalid_credentials");
  });

  it("answers a wrong current password with 400 invalid_credentials, counted and logged like a failed sign-in", async () => {
    const { user, accessToken } = await signIn();
    const wrong = await change(accessToken, "not my password");
    expectError(wrong, "invalid_credentials", 400);
    const [counter] = await sql<{ count: number }>("SELECT count FROM rate_limits WHERE key = $1", [`login_account:${user.email}`]);
    // The sign-in's own login, then this attempt.
    expect(counter!.count).toBe(2);
    await eventually(
      "the failed attempt in the log",
      () => sql<{ n: number }>("SELECT count(*)::int AS n FROM auth_events WHERE user_id = $1 AND type = 'login_failed'", [user.id]),
      (rows) => rows[0]!.n === 1,
    );
  });

  it("refuses a common or breached new password", async () => {
    const { accessToken } = await signIn();
    expectError(await change(accessToken, PASSWORD, "password123"), "invalid_request");
    // Not on the common list; found by the (fake) breach API.
    const breached = await change(accessToken, PASSWORD, "senha123");
    expectError(breached, "invalid_request");
    expect(breached.body.error.details).toEqual([{ field: "new_password", message: expect.stringContaining("breach") }]);
  });
});
