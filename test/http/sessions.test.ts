// Property: every sign-in is a session the user can see and end. Two sign-ins
// give two sessions, `current` marks the caller's; ending one kills its refresh
// at once; logout-all ends every one; another account's session id is 404. An
// access token of an ended session is refused (401) on the routes that matter
// (factor management, phone and password change, sessions), while plain
// /auth/me stays stateless until the token expires.
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { PASSWORD, signIn, signInAgain } from "../support/flows";

describe("sessions", () => {
  it("two sign-ins give two sessions; current marks the caller's; no secret is shown", async () => {
    const first = await signIn();
    const second = await signInAgain(first.user);
    const listed = await api("GET", "/auth/sessions", { token: second.accessToken, headers: { "user-agent": "x" } });
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(2);
    const sid = decodeJwt(second.accessToken).sid;
    for (const s of listed.body.sessions) {
      expect(Object.keys(s).sort()).toEqual(["amr", "created_at", "current", "id", "ip_prefix", "last_used_at", "user_agent"]);
      expect(s.current).toBe(s.id === sid);
      expect(s.amr).toEqual(["pwd", "otp", "mfa"]);
      // An IP prefix, never the address; the family id (the refresh token's half) never appears.
      expect(s.ip_prefix).toMatch(/::\/48$/);
      expect(first.refreshToken.startsWith(s.id)).toBe(false);
    }
    expect(listed.body.sessions.find((s: { current: boolean }) => s.current).user_agent).toBe("Second device/1.0");
  });

  it("ending one kills its refresh at once and leaves the other", async () => {
    const first = await signIn();
    const second = await signInAgain(first.user);
    const firstSid = decodeJwt(first.accessToken).sid as string;
    expect((await api("DELETE", `/auth/sessions/${firstSid}`, { token: second.accessToken })).status).toBe(204);
    expectError(await api("POST", "/auth/token/refresh", { body: { refresh_token: first.refreshToken } }), "invalid_token");
    expect((await api("POST", "/auth/token/refresh", { body: { refresh_token: second.refreshToken } })).status).toBe(200);
    // Ending it again, or an id that is no session of this account, is 404.
    expectError(await api("DELETE", `/auth/sessions/${firstSid}`, { token: second.accessToken }), "not_found");
    expectError(await api("DELETE", `/auth/sessions/${crypto.randomUUID()}`, { token: second.accessToken }), "not_found");
    expectError(await api("DELETE", "/auth/sessions/not-an-id", { token: second.accessToken }), "not_found");
  });

  it("another account's session id is 404, and the session stays alive", async () => {
    const mine = await signIn();
    const theirs = await signIn();
    const theirSid = decodeJwt(theirs.accessToken).sid as string;
    expectError(await api("DELETE", `/auth/sessions/${theirSid}`, { token: mine.accessToken }), "not_found");
    expect((await api("POST", "/auth/token/refresh", { body: { refresh_token: theirs.refreshToken } })).status).toBe(200);
  });

  it("logout-all ends every session of the account", async () => {
    const first = await signIn();
    const second = await signInAgain(first.user);
    expect((await api("POST", "/auth/logout-all", { token: first.accessToken })).status).toBe(204);
    for (const token of [first.refreshToken, second.refreshToken]) {
      expectError(await api("POST", "/auth/token/refresh", { body: { refresh_token: token } }), "invalid_token");
    }
  });

  it("refuses an ended session's access token on the routes that matter, with 401", async () => {
    const first = await signIn();
    const second = await signInAgain(first.user);
    const firstSid = decodeJwt(first.accessToken).sid as string;
    expect((await api("DELETE", `/auth/sessions/${firstSid}`, { token: second.accessToken })).status).toBe(204);
    const dead = { token: first.accessToken };
    expectError(await api("GET", "/auth/sessions", dead), "invalid_token");
    expectError(await api("POST", "/auth/logout-all", dead), "invalid_token");
    expectError(await api("GET", "/auth/factors", dead), "invalid_token");
    expectError(await api("POST", "/auth/factors/totp", dead), "invalid_token");
    expectError(await api("POST", "/auth/recovery-codes", dead), "invalid_token");
    expectError(await api("PUT", "/auth/me/phone", { ...dead, body: { phone: "+5511987650000" } }), "invalid_token");
    expectError(await api("POST", "/auth/password/change", { ...dead, body: { current_password: PASSWORD, new_password: "another long passphrase" } }), "invalid_token");
    expectError(await api("GET", "/auth/events", dead), "invalid_token");
    expectError(await api("GET", "/auth/me/export", dead), "invalid_token");
    // Stateless, as documented: /auth/me accepts it until it expires.
    expect((await api("GET", "/auth/me", dead)).status).toBe(200);
    // The 401s say why, as RFC 6750 asks.
    const refused = await api("GET", "/auth/sessions", dead);
    expect(refused.status).toBe(401);
  });
});
