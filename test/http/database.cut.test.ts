// Property: a statement whose answer is cut half-way ran exactly once, and the
// service says so honestly: the client gets 503 service_unavailable (never a
// 500, never a hang), and what the statement did is in the database, counted
// once. A cut verify with the right code never yields two tokens: its retry
// finds the challenge used, and the user has exactly one refresh family. A cut
// wrong guess counts one attempt. A cut refresh can be retried: the same old
// token gets the same new pair within REFRESH_RETRY_GRACE_SECONDS. A cut login
// or register leaves exactly what the README ("When the database is away")
// says, and nothing half-written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiWith } from "../support/api";
import { answerBound, CHAOS_TIMEOUT_MS, chaosProxy, LOADED_MACHINE_HEADROOM_MS, through, type ChaosProxy } from "../support/chaos";
import { expectError } from "../support/expect";
import { codesTo, deliveredTo, latestCode, loginWithCode, PASSWORD, registerUser, uniqueEmail } from "../support/flows";
import { sql } from "../support/sql";

let proxy: ChaosProxy;
beforeAll(async () => {
  proxy = await chaosProxy();
});
afterAll(() => proxy?.close());

/** Cuts the answer of the `nth` statement of the next request, and checks the request's answer and its bound. */
async function cutting(nth: number, call: (overrides: Record<string, string>) => ReturnType<typeof apiWith>) {
  const before = await proxy.set({ mode: "cut", nth });
  const started = Date.now();
  const response = await call(through(proxy));
  const elapsed = Date.now() - started;
  const after = await proxy.stats();
  expect(after.cut - before.cut, "the proxy cut one answer").toBe(1);
  expectError(response, "service_unavailable");
  expect(elapsed).toBeLessThan(answerBound(CHAOS_TIMEOUT_MS) + LOADED_MACHINE_HEADROOM_MS);
  return response;
}

const wrongCode = (code: string) => (code === "000000" ? "111111" : "000000");

describe("a verify whose answer is lost", () => {
  it("with the right code: 503, then the retry finds the challenge used; one refresh family, never two tokens", async () => {
    const user = await registerUser();
    const { challengeId, code } = await loginWithCode({ email: user.email });
    await cutting(1, (o) => apiWith(o, "POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } }));
    const retry = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
    expectError(retry, "challenge_expired");
    const [challenge] = await sql<{ used: boolean; attempts: number }>(
      "SELECT consumed_at IS NOT NULL AS used, attempts FROM challenges WHERE id = $1",
      [challengeId],
    );
    expect(challenge).toEqual({ used: true, attempts: 0 });
    const [families] = await sql<{ n: number }>("SELECT count(*)::int AS n FROM refresh_sessions WHERE user_id = $1", [user.id]);
    expect(families!.n).toBe(1);
  });

  it("with a wrong code: 503, and exactly one attempt counted on the challenge and the account", async () => {
    const { challengeId, code } = await loginWithCode();
    await cutting(1, (o) => apiWith(o, "POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: wrongCode(code) } }));
    const [row] = await sql<{ attempts: number; failed: number }>(
      "SELECT c.attempts, u.failed_otp_count AS failed FROM challenges c JOIN users u ON u.id = c.user_id WHERE c.id = $1",
      [challengeId],
    );
    expect(row).toEqual({ attempts: 1, failed: 1 });
    const retry = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: wrongCode(code) } });
    expectError(retry, "invalid_code");
    expect(retry.body.error.attempts_remaining).toBe(3);
  });
});

describe("a refresh whose answer is lost", () => {
  it("can be retried with the same old token: the same new refresh token, which then works; the family stays one", async () => {
    const { challengeId, code } = await loginWithCode();
    const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
    const old = verified.body.refresh_token as string;
    await cutting(1, (o) => apiWith(o, "POST", "/auth/token/refresh", { body: { refresh_token: old } }));
    const retry = await api("POST", "/auth/token/refresh", { body: { refresh_token: old } });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    const again = await api("POST", "/auth/token/refresh", { body: { refresh_token: old } });
    expect(again.body.refresh_token).toBe(retry.body.refresh_token);
    expect((await api("GET", "/auth/me", { token: retry.body.access_token })).status).toBe(200);
    const next = await api("POST", "/auth/token/refresh", { body: { refresh_token: retry.body.refresh_token } });
    expect(next.status).toBe(200);
    const [family] = await sql<{ revoked: boolean }>("SELECT revoked_at IS NOT NULL AS revoked FROM refresh_sessions WHERE id = $1", [old.split(".")[0]]);
    expect(family).toEqual({ revoked: false });
  });
});

describe("a login whose answer is lost", () => {
  it("at its first statement: the login is counted once, no challenge exists, a retry works", async () => {
    const user = await registerUser();
    await cutting(1, (o) => apiWith(o, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }));
    const [counter] = await sql<{ count: number }>("SELECT count FROM rate_limits WHERE key = $1", [`login_account:${user.email}`]);
    expect(counter!.count).toBe(1);
    expect(await sql("SELECT id FROM challenges WHERE user_id = $1", [user.id])).toHaveLength(0);
    const retry = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
  });

  it("at its second, with no Idempotency-Key: one challenge, its code counted once and never sent; the retry waits out the code cooldown", async () => {
    const user = await registerUser();
    await cutting(2, (o) => apiWith(o, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }));
    const challenges = await sql<{ sends: number; delivery_status: string; delivery_attempts: number }>(
      "SELECT sends, delivery_status, delivery_attempts FROM challenges WHERE user_id = $1",
      [user.id],
    );
    expect(challenges).toEqual([{ sends: 1, delivery_status: "queued", delivery_attempts: 0 }]);
    const [codes] = await sql<{ count: number }>("SELECT count FROM rate_limits WHERE key = $1", [`codes_account:${user.id}`]);
    expect(codes!.count).toBe(1);
    // Nothing was queued: the code went nowhere (the answer never came back, so dispatch never ran).
    expect(await deliveredTo(user.email)).toHaveLength(0);
    const retry = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expectError(retry, "rate_limited");
    expect(Number(retry.headers.get("retry-after"))).toBeLessThanOrEqual(60);
  });

  it("at its second, retried with the same Idempotency-Key: the same challenge, and the one code sent arrives and works", async () => {
    const user = await registerUser();
    const headers = { "idempotency-key": crypto.randomUUID() };
    await cutting(2, (o) => apiWith(o, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD }, headers }));
    const [stranded] = await sql<{ id: string }>("SELECT id FROM challenges WHERE user_id = $1", [user.id]);
    expect(await deliveredTo(user.email)).toHaveLength(0);

    const retry = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD }, headers });
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(retry.body.challenge_id).toBe(stranded!.id);
    const code = await latestCode(user.email);
    const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: stranded!.id, code } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    // Two codes counted (the lost one and this one, as a resend would be), one sent: the lost one never left.
    const [codes] = await sql<{ count: number }>("SELECT count FROM rate_limits WHERE key = $1", [`codes_account:${user.id}`]);
    expect(codes!.count).toBe(2);
    expect(await sql("SELECT sends FROM challenges WHERE user_id = $1", [user.id])).toEqual([{ sends: 2 }]);
    expect(await codesTo(user.email)).toHaveLength(1);
  });
});

describe("a registration whose answer is lost", () => {
  it("at the insert: the account exists once; the retry is told the e-mail is taken, and the password works", async () => {
    const email = uniqueEmail("cut");
    await cutting(2, (o) => apiWith(o, "POST", "/auth/register", { body: { email, password: PASSWORD } }));
    expect(await sql("SELECT id FROM users WHERE email = $1", [email])).toHaveLength(1);
    expectError(await api("POST", "/auth/register", { body: { email, password: PASSWORD } }), "email_taken");
    expect((await api("POST", "/auth/login", { body: { email, password: PASSWORD } })).status).toBe(202);
  });
});
