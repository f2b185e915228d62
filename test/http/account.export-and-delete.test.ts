// Property: the user's own data (LGPD). The export (after a recent sign-in) is
// a JSON copy of the account, its factors, sessions and events, with no secret
// in it; deleting the account (with its password) removes every row of it at
// once, its sessions die, and it can no longer sign in.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { PASSWORD, signIn } from "../support/flows";
import { sql } from "../support/sql";
import { enrolAuthenticator } from "../support/totp";

describe("export", () => {
  it("holds the profile, factors, sessions and events, and no secret", async () => {
    const { user, accessToken, refreshToken } = await signIn();
    const { enrolled, recoveryCodes } = await enrolAuthenticator(accessToken);
    const exported = await api("GET", "/auth/me/export", { token: accessToken });
    expect(exported.status).toBe(200);
    expect(Object.keys(exported.body).sort()).toEqual(["events", "factors", "profile", "recovery_codes", "sessions"]);
    expect(exported.body.profile).toMatchObject({ id: user.id, email: user.email });
    expect(exported.body.factors).toEqual([expect.objectContaining({ type: "totp", status: "active" })]);
    expect(exported.body.recovery_codes).toEqual({ unused: 10, used: 0 });
    expect(exported.body.sessions.length).toBeGreaterThanOrEqual(1);
    expect(exported.body.events.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(exported.body);
    const [row] = await sql<{ password_hash: string; secret_sealed: string }>(
      "SELECT u.password_hash, f.secret_sealed FROM users u JOIN factors f ON f.user_id = u.id WHERE u.id = $1",
      [user.id],
    );
    for (const secret of [row!.password_hash, row!.secret_sealed, enrolled.secret, refreshToken, refreshToken.split(".")[0]!, ...recoveryCodes]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe("deletion", () => {
  it("refuses a wrong password with 400, then deletes every row at once; the account cannot sign in", async () => {
    const { user, accessToken, refreshToken } = await signIn();
    await enrolAuthenticator(accessToken);
    expectError(await api("DELETE", "/auth/me", { token: accessToken, body: { password: "not it" } }), "invalid_credentials", 400);
    expect((await api("DELETE", "/auth/me", { token: accessToken, body: { password: PASSWORD } })).status).toBe(204);

    for (const table of ["users", "challenges", "refresh_sessions", "factors", "recovery_codes", "auth_events"]) {
      const column = table === "users" ? "id" : "user_id";
      const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [user.id]);
      expect(row!.n, table).toBe(0);
    }
    expectError(await api("POST", "/auth/token/refresh", { body: { refresh_token: refreshToken } }), "invalid_token");
    expectError(await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }), "invalid_credentials");
    expectError(await api("GET", "/auth/me", { token: accessToken }), "invalid_token");
  });
});
