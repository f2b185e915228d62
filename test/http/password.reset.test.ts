// Property: a password reset proves the mailbox, changes the password and ends
// every session, without signing anyone in and without bypassing the second
// factor (OWASP ASVS 5.0 §6.4.3). Its code is single-use under concurrency, has
// an attempt cap, and wrong codes count per reset only: never toward the
// account's sign-in streak, wait or lock, which the reset also leaves as they are.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { clearCodeCooldown, codesTo, latestCode, PASSWORD, registerUser, signIn, uniqueEmail } from "../support/flows";
import { sql } from "../support/sql";
import { enrolAuthenticator } from "../support/totp";

const NEW_PASSWORD = "a brand new passphrase 2026";

async function forgot(email: string) {
  const response = await api("POST", "/auth/password/forgot", { body: { email } });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body as { reset_id: string; expires_in: number };
}

const reset = (resetId: string, code: string, newPassword = NEW_PASSWORD) =>
  api("POST", "/auth/password/reset", { body: { reset_id: resetId, code, new_password: newPassword } });

const wrongOf = (code: string) => (code === "000000" ? "111111" : "000000");

describe("password reset", () => {
  it("changes the password, ends every session, and signs nobody in: the next sign-in still asks for the second factor", async () => {
    const { user, refreshToken } = await signIn();
    const { reset_id, expires_in } = await forgot(user.email);
    expect(expires_in).toBe(900);
    const code = await latestCode(user.email, 2);
    const done = await reset(reset_id, code);
    expect(done.status).toBe(204);
    expect(done.body).toBe("");

    expectError(await api("POST", "/auth/token/refresh", { body: { refresh_token: refreshToken } }), "invalid_token");
    expectError(await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }), "invalid_credentials");
    await clearCodeCooldown(user.id);
    const login = await api("POST", "/auth/login", { body: { email: user.email, password: NEW_PASSWORD } });
    expect(login.status).toBe(202);
    expect(login.body.challenge_id).toEqual(expect.any(String));
    expect(login.body.access_token).toBeUndefined();
  });

  it("keeps the authenticator app: after a reset, sign-in asks for it", async () => {
    const { user, accessToken } = await signIn();
    await enrolAuthenticator(accessToken);
    const { reset_id } = await forgot(user.email);
    expect((await reset(reset_id, await latestCode(user.email, 2))).status).toBe(204);
    const login = await api("POST", "/auth/login", { body: { email: user.email, password: NEW_PASSWORD } });
    expect(login.body).toMatchObject({ channel: "totp", factors: ["totp", "recovery"] });
  });

  it("is single-use: the code works once, and of 6 parallel resets with it exactly one succeeds", async () => {
    const user = await registerUser();
    const { reset_id } = await forgot(user.email);
    const code = await latestCode(user.email);
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => reset(reset_id, code, `${NEW_PASSWORD} ${i}`)));
    expect(responses.filter((r) => r.status === 204)).toHaveLength(1);
    for (const r of responses.filter((x) => x.status !== 204)) expectError(r, "reset_expired");
    expectError(await reset(reset_id, code), "reset_expired");
  });

  it("counts wrong codes exactly under concurrency, up to the cap, on the reset only: the sign-in streak never moves", async () => {
    const user = await registerUser();
    const { reset_id } = await forgot(user.email);
    const code = await latestCode(user.email);
    const responses = await Promise.all(Array.from({ length: 8 }, () => reset(reset_id, wrongOf(code))));
    const counted = responses.filter((r) => r.body?.error?.code === "invalid_code");
    expect(counted).toHaveLength(5);
    expect(counted.map((r) => r.body.error.attempts_remaining).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(counted[0]!.status).toBe(401);
    expect(responses.filter((r) => r.body?.error?.code === "reset_expired")).toHaveLength(3);
    // Even the right code is refused once the attempts are spent.
    expectError(await reset(reset_id, code), "reset_expired");
    const [row] = await sql<{ failed_otp_count: number; otp_blocked_until: string | null }>(
      "SELECT failed_otp_count, otp_blocked_until FROM users WHERE email = $1",
      [user.email],
    );
    expect(row).toEqual({ failed_otp_count: 0, otp_blocked_until: null });
  });

  it("leaves the sign-in failure count, the wait and a lock untouched (a new secret does not reset them)", async () => {
    const user = await registerUser();
    await sql("UPDATE users SET failed_otp_count = 7, otp_blocked_until = now() + interval '1 hour', locked_at = now() WHERE email = $1", [user.email]);
    const { reset_id } = await forgot(user.email);
    expect((await reset(reset_id, await latestCode(user.email))).status).toBe(204);
    const [row] = await sql<{ failed_otp_count: number; waiting: boolean; locked: boolean }>(
      "SELECT failed_otp_count, otp_blocked_until > now() AS waiting, locked_at IS NOT NULL AS locked FROM users WHERE email = $1",
      [user.email],
    );
    expect(row).toEqual({ failed_otp_count: 7, waiting: true, locked: true });
  });

  it("refuses expired and unknown resets with 401 reset_expired, and a weak new password with 400 without using the code", async () => {
    const user = await registerUser();
    const { reset_id } = await forgot(user.email);
    const code = await latestCode(user.email);
    expectError(await reset(crypto.randomUUID(), code), "reset_expired");
    const weak = await reset(reset_id, code, "password123");
    expectError(weak, "invalid_request");
    expect(weak.body.error.details[0].field).toBe("new_password");
    await sql("UPDATE challenges SET expires_at = now() - interval '1 second' WHERE id = $1", [reset_id]);
    expectError(await reset(reset_id, code), "reset_expired");
  });

  it("marks the e-mail verified", async () => {
    const user = await registerUser();
    const { reset_id } = await forgot(user.email);
    expect((await reset(reset_id, await latestCode(user.email))).status).toBe(204);
    const [row] = await sql<{ verified: boolean }>("SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE email = $1", [user.email]);
    expect(row!.verified).toBe(true);
  });
});

describe("forgot password", () => {
  it("answers a known and an unknown address alike: the same status and body shape, and the same statements", async () => {
    const user = await registerUser();
    const known = await api("POST", "/auth/password/forgot", { body: { email: user.email } });
    const unknown = await api("POST", "/auth/password/forgot", { body: { email: uniqueEmail("nobody") } });
    expect(unknown.status).toBe(known.status);
    expect(Object.keys(unknown.body).sort()).toEqual(Object.keys(known.body).sort());
    expect(unknown.body).toEqual({ reset_id: expect.stringMatching(/^[0-9a-f-]{36}$/), expires_in: 900 });
  });

  const resetsOf = async (email: string) =>
    (await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM challenges c JOIN users u ON u.id = c.user_id WHERE u.email = $1 AND c.purpose = 'password_reset'",
      [email],
    ))[0]!.n;

  it("inside the 60 s cooldown gives the same 202 and sends nothing", async () => {
    const user = await registerUser();
    const first = await forgot(user.email);
    const second = await forgot(user.email);
    expect(Object.keys(second)).toEqual(Object.keys(first));
    expect(await resetsOf(user.email)).toBe(1);
    await latestCode(user.email);
    expect(await codesTo(user.email)).toHaveLength(1);
  });

  it("past the per-account limit (3 an hour) gives the same 202 and sends nothing", async () => {
    const user = await registerUser();
    for (let i = 0; i < 4; i++) {
      await sql("DELETE FROM rate_limits WHERE key = $1", [`reset_cooldown:${user.email}`]);
      await forgot(user.email);
    }
    expect(await resetsOf(user.email)).toBe(3);
  });

  it("may answer 429 past the per-client limit, the same for every address", async () => {
    const ip = `10.${crypto.getRandomValues(new Uint8Array(3)).join(".")}`;
    const answers = [];
    for (let i = 0; i < 11; i++) {
      answers.push(await api("POST", "/auth/password/forgot", { body: { email: uniqueEmail("scan") }, headers: { "cf-connecting-ip": ip } }));
    }
    expect(answers.slice(0, 10).every((r) => r.status === 202)).toBe(true);
    expectError(answers[10]!, "rate_limited");
  });
});
