// Property: every limit is shared state in Postgres and answers 429 rate_limited
// with Retry-After once exceeded: login per account and per IP, verify per IP,
// codes per account (with a cooldown between new challenges), SMS per number,
// and registrations per IP. Login and register limits are counted before any
// password hashing.
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, apiWith, randomIp, randomIpv4 } from "../support/api";
import { expectError } from "../support/expect";
import { PASSWORD, registerUser, uniqueEmail, uniquePhone, waitForDelivery } from "../support/flows";
import { sql } from "../support/sql";

afterEach(() => vi.restoreAllMocks());

/** `count` calls, 8 at a time: concurrent, yet far from the server's 100 connections. */
async function inWaves<T>(count: number, call: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  while (results.length < count) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(8, count - results.length) }, call))));
  }
  return results;
}

function expectRateLimited(response: Awaited<ReturnType<typeof api>>) {
  expectError(response, "rate_limited");
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  return retryAfter;
}

describe("login limits", () => {
  it("allows 10 logins per account per 15 minutes, from any IPs", async () => {
    const user = await registerUser();
    const wrong = await inWaves(10, () => api("POST", "/auth/login", { body: { email: user.email, password: "wrong password" } }));
    for (const response of wrong) expectError(response, "invalid_credentials");
    const retryAfter = expectRateLimited(await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }));
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  it("limits an unknown account exactly like a known one", async () => {
    const email = uniqueEmail("ghost");
    for (const response of await inWaves(10, () => api("POST", "/auth/login", { body: { email, password: PASSWORD } }))) {
      expectError(response, "invalid_credentials");
    }
    expectRateLimited(await api("POST", "/auth/login", { body: { email, password: PASSWORD } }));
  });

  it("allows 30 logins per minute from one IP, across accounts", async () => {
    const ip = randomIp();
    const headers = { "cf-connecting-ip": ip };
    const responses = await inWaves(31, () => api("POST", "/auth/login", { headers, body: { email: uniqueEmail(), password: PASSWORD } }));
    expect(responses.filter((r) => r.status === 401)).toHaveLength(30);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(1);
    // Another client is unaffected.
    expectError(await api("POST", "/auth/login", { body: { email: uniqueEmail(), password: PASSWORD } }), "invalid_credentials");
  });

  it("counts the limit before hashing: a limited login derives no key", async () => {
    const user = await registerUser();
    const headers = { "cf-connecting-ip": randomIp() };
    const limits = { RATE_LIMIT_LOGIN_ACCOUNT: "1/900" };
    await apiWith(limits, "POST", "/auth/login", { headers, body: { email: user.email, password: "wrong password" } });
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    expectRateLimited(await apiWith(limits, "POST", "/auth/login", { headers, body: { email: user.email, password: PASSWORD } }));
    expect(derive).not.toHaveBeenCalled();
  });
});

// These tests run at once (each has its own accounts and number); the spies on
// WebCrypto are in the other blocks, which run one test at a time.
describe.concurrent("code limits", () => {
  it("waits 60 s between new challenges for one account", async () => {
    const user = await registerUser();
    expect((await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } })).status).toBe(202);
    const retryAfter = expectRateLimited(await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }));
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await waitForDelivery(user.email, 1)).toHaveLength(1);
  });

  it("sends at most the configured number of codes per account, logins and resends together", async () => {
    const user = await registerUser();
    const limits = { RATE_LIMIT_CODES_ACCOUNT: "3/1800" };
    const expireCooldowns = () => sql("UPDATE rate_limits SET expires_at = now() WHERE key = $1", [`code_cooldown:${user.id}`]);
    const first = await apiWith(limits, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(first.status).toBe(202);
    // Each send is awaited: a resend supersedes a job not yet delivered.
    await waitForDelivery(user.email, 1);
    await sql("UPDATE challenges SET resend_after = now() WHERE id = $1", [first.body.challenge_id]);
    expect((await apiWith(limits, "POST", "/auth/2fa/resend", { body: { challenge_id: first.body.challenge_id } })).status).toBe(202);
    await waitForDelivery(user.email, 2);
    await expireCooldowns();
    expect((await apiWith(limits, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } })).status).toBe(202);
    await waitForDelivery(user.email, 3);
    await expireCooldowns();
    expectRateLimited(await apiWith(limits, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } }));
    await sql("UPDATE challenges SET resend_after = now() WHERE id = $1", [first.body.challenge_id]);
    expectRateLimited(await apiWith(limits, "POST", "/auth/2fa/resend", { body: { challenge_id: first.body.challenge_id } }));
    expect(await waitForDelivery(user.email, 3)).toHaveLength(3);
  });

  it("sends at most the configured number of SMS per destination number", async () => {
    const phone = uniquePhone();
    const limits = { RATE_LIMIT_SMS_NUMBER: "2/86400" };
    const users = [await registerUser({ phone }), await registerUser({ phone }), await registerUser({ phone })];
    const answers = [];
    for (const user of users) {
      answers.push(await apiWith(limits, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "sms" } }));
    }
    expect(answers.map((r) => r.status)).toEqual([202, 202, 429]);
    expectRateLimited(answers[2]!);
    expect(await waitForDelivery(phone, 2)).toHaveLength(2);
  });
});

describe("verify and register limits", () => {
  it("allows 30 verifies per minute from one IPv4 address", async () => {
    const headers = { "cf-connecting-ip": randomIpv4() };
    const responses = await inWaves(31, () => api("POST", "/auth/2fa/verify", { headers, body: { challenge_id: crypto.randomUUID(), code: "123456" } }));
    expect(responses.filter((r) => r.body?.error?.code === "challenge_expired")).toHaveLength(30);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(1);
  });

  it("allows 10 registrations per hour from one IP, before hashing", async () => {
    const headers = { "cf-connecting-ip": randomIp() };
    const registered = await inWaves(10, () => api("POST", "/auth/register", { headers, body: { email: uniqueEmail(), password: PASSWORD } }));
    expect(registered.map((r) => r.status)).toEqual(new Array(10).fill(201));
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    expectRateLimited(await apiWith({}, "POST", "/auth/register", { headers, body: { email: uniqueEmail(), password: PASSWORD } }));
    expect(derive).not.toHaveBeenCalled();
  });
});
