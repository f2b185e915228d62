// Property: the database round trips per request stay within budget: login 2,
// verify 1 for every factor (with the refresh token it creates), refresh 1,
// logout 1, me 1, health exactly 1; register 2, because its rate limit is
// counted before the password is hashed; factor management 1 each, confirming
// an authenticator 2. Counted by the client wrapper that every statement goes through, and
// reported in each request's log line.
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiWith } from "../support/api";
import { latestCode, PASSWORD, signIn, uniqueEmail, uniquePhone } from "../support/flows";
import { authenticatorFrom, awayFromStepEdge, codeAt } from "../support/totp";

afterEach(() => vi.restoreAllMocks());

/** Runs one request and returns its response and the db_statements from its log line. */
async function counted(method: string, path: string, options: Parameters<typeof apiWith>[3] = {}) {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
  const response = await apiWith({}, method, path, options);
  spy.mockRestore();
  const requestLine = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request");
  expect(requestLine, lines.join("\n")).toBeDefined();
  return { response, statements: requestLine.db_statements as number };
}

describe("database statements per request", () => {
  it("register 2, login 2, verify 1, refresh 1, logout 1, me 1, health 1", async () => {
    const email = uniqueEmail("budget");
    const register = await counted("POST", "/auth/register", { body: { email, password: PASSWORD } });
    expect(register.response.status).toBe(201);
    expect(register.statements).toBe(2);

    const login = await counted("POST", "/auth/login", { body: { email, password: PASSWORD } });
    expect(login.response.status).toBe(202);
    expect(login.statements).toBe(2);

    const code = await latestCode(email);
    const verify = await counted("POST", "/auth/2fa/verify", { body: { challenge_id: login.response.body.challenge_id, code } });
    expect(verify.response.status).toBe(200);
    expect(verify.statements).toBe(1);

    const me = await counted("GET", "/auth/me", { token: verify.response.body.access_token });
    expect(me.response.status).toBe(200);
    expect(me.statements).toBe(1);

    const refreshed = await counted("POST", "/auth/token/refresh", { body: { refresh_token: verify.response.body.refresh_token } });
    expect(refreshed.response.status).toBe(200);
    expect(refreshed.statements).toBe(1);

    const logout = await counted("POST", "/auth/logout", { body: { refresh_token: refreshed.response.body.refresh_token } });
    expect(logout.response.status).toBe(204);
    expect(logout.statements).toBe(1);

    const health = await counted("GET", "/health");
    expect(health.statements).toBe(1);
  });

  it("factors: enrol 1, confirm 2, list 1, regenerate 1, remove 1; a TOTP or recovery sign-in 2 + 1, as an e-mail one", async () => {
    const { user, accessToken } = await signIn();
    const token = { token: accessToken };
    const enrol = await counted("POST", "/auth/factors/totp", token);
    expect(enrol.response.status).toBe(201);
    expect(enrol.statements).toBe(1);
    const app = authenticatorFrom(enrol.response.body.otpauth_uri);
    const now = await awayFromStepEdge();
    const confirm = await counted("POST", "/auth/factors/totp/confirm", { ...token, body: { code: codeAt(app, now) } });
    expect(confirm.response.status).toBe(200);
    // Read the pending secret, check the code here, then activate (with the recovery codes) in one statement.
    expect(confirm.statements).toBe(2);
    const list = await counted("GET", "/auth/factors", token);
    expect(list.statements).toBe(1);

    const login = await counted("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(login.response.body.channel).toBe("totp");
    expect(login.statements).toBe(2);
    const verify = await counted("POST", "/auth/2fa/verify", { body: { challenge_id: login.response.body.challenge_id, code: codeAt(app, now, 1) } });
    expect(verify.response.status).toBe(200);
    // The steps' MACs were computed at login: the check, the replay guard and the session are one statement.
    expect(verify.statements).toBe(1);

    const recovery = await counted("POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "recovery" } });
    expect(recovery.statements).toBe(2);
    const codes = confirm.response.body.recovery_codes as string[];
    const byCode = await counted("POST", "/auth/2fa/verify", { body: { challenge_id: recovery.response.body.challenge_id, code: codes[0] } });
    expect(byCode.response.status).toBe(200);
    expect(byCode.statements).toBe(1);

    const regenerate = await counted("POST", "/auth/recovery-codes", token);
    expect(regenerate.statements).toBe(1);
    const remove = await counted("DELETE", "/auth/factors/totp", token);
    expect(remove.response.status).toBe(204);
    expect(remove.statements).toBe(1);
  });

  it("account lifecycle: forgot 1, reset 2, change 2, sessions 1 each, events 1, me 1, locale 1, phone 1 + 2, export 1, delete 2", async () => {
    const { user, accessToken } = await signIn({ phone: uniquePhone() });
    const token = { token: accessToken };
    const expectations: [string, string, Parameters<typeof apiWith>[3], number, number][] = [
      ["GET", "/auth/me", token, 200, 1],
      ["PATCH", "/auth/me", { ...token, body: { locale: "pt-BR" } }, 200, 1],
      ["GET", "/auth/sessions", token, 200, 1],
      ["GET", "/auth/events", token, 200, 1],
      ["GET", "/auth/me/export", token, 200, 1],
    ];
    for (const [method, path, options, status, statements] of expectations) {
      const result = await counted(method, path, options);
      expect(result.response.status, path).toBe(status);
      expect(result.statements, path).toBe(statements);
    }
    const newPhone = uniquePhone();
    const phone = await counted("PUT", "/auth/me/phone", { ...token, body: { phone: newPhone } });
    expect(phone.statements).toBe(1);
    // The code check, then the profile it answers with.
    const confirm = await counted("POST", "/auth/me/phone/confirm", { ...token, body: { code: await latestCode(newPhone) } });
    expect(confirm.response.status).toBe(200);
    expect(confirm.statements).toBe(2);

    const forgot = await counted("POST", "/auth/password/forgot", { body: { email: user.email } });
    expect(forgot.statements).toBe(1);
    // The code is checked before the new password is hashed; then one statement uses it and sets the password.
    const reset = await counted("POST", "/auth/password/reset", {
      body: { reset_id: forgot.response.body.reset_id, code: await latestCode(user.email, 2), new_password: "a new long passphrase" },
    });
    expect(reset.response.status).toBe(204);
    expect(reset.statements).toBe(2);

    const again = await signIn();
    const change = await counted("POST", "/auth/password/change", { token: again.accessToken, body: { current_password: PASSWORD, new_password: "another new passphrase" } });
    expect(change.response.status).toBe(204);
    // The current password is read behind the login counters, then the change and the other sessions' end are one statement.
    expect(change.statements).toBe(2);
    const logoutAll = await counted("POST", "/auth/logout-all", { token: again.accessToken });
    expect(logoutAll.statements).toBe(1);

    const third = await signIn();
    const remove = await counted("DELETE", "/auth/me", { token: third.accessToken, body: { password: PASSWORD } });
    expect(remove.response.status).toBe(204);
    expect(remove.statements).toBe(2);
  });

  it("spends no statement on a request refused before it needs the database", async () => {
    expect((await counted("GET", "/auth/me")).statements).toBe(0);
    expect((await counted("POST", "/auth/login", { raw: "{" })).statements).toBe(0);
  });
});
