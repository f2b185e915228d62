// Property: an authenticator secret is never in clear: not in the database
// (AES-256-GCM under FACTOR_ENCRYPTION_KEY, with that key's id beside it), not
// in a log line; neither are recovery codes or the codes themselves. The key
// can rotate: with the old key as FACTOR_ENCRYPTION_KEY_PREVIOUS sign-in keeps
// working, and the cron re-seals every secret under the new key.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { utf8 } from "../../functions/core/crypto";
import { keyIdOf } from "../../functions/core/secret-box";
import worker from "../../functions/index";
import { apiWith } from "../support/api";
import { latestCode, PASSWORD, registerUser } from "../support/flows";
import { sql } from "../support/sql";
import { authenticatorFrom, awayFromStepEdge, codeAt } from "../support/totp";

afterEach(() => vi.restoreAllMocks());

/** Register, sign in by e-mail and enrol an authenticator, all with `overrides`. */
async function enrolWith(overrides: Record<string, string>) {
  const user = await registerUser();
  const login = await apiWith(overrides, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
  const verified = await apiWith(overrides, "POST", "/auth/2fa/verify", { body: { challenge_id: login.body.challenge_id, code: await latestCode(user.email) } });
  const token = verified.body.access_token as string;
  const enrolled = await apiWith(overrides, "POST", "/auth/factors/totp", { token });
  const app = authenticatorFrom(enrolled.body.otpauth_uri);
  const now = await awayFromStepEdge();
  const confirmed = await apiWith(overrides, "POST", "/auth/factors/totp/confirm", { token, body: { code: codeAt(app, now) } });
  expect(confirmed.status).toBe(200);
  return { user, token, app, now, enrolled: enrolled.body, recoveryCodes: confirmed.body.recovery_codes as string[] };
}

describe("authenticator secrets", () => {
  it("are stored sealed, with the key's id, and never appear in a log line with the codes", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    for (const level of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, level).mockImplementation(capture);

    const { user, app, now, enrolled, recoveryCodes } = await enrolWith({});
    const login = await apiWith({}, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    const code = codeAt(app, now, 1);
    expect((await apiWith({}, "POST", "/auth/2fa/verify", { body: { challenge_id: login.body.challenge_id, code } })).status).toBe(200);
    const recovery = await apiWith({}, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "recovery" } });
    expect((await apiWith({}, "POST", "/auth/2fa/verify", { body: { challenge_id: recovery.body.challenge_id, code: recoveryCodes[0] } })).status).toBe(200);

    const [row] = await sql<{ secret_sealed: string; key_id: string }>("SELECT secret_sealed, key_id FROM factors WHERE id = $1", [enrolled.factor_id]);
    const secretHex = Buffer.from(app.secret.bytes).toString("hex");
    const secretB64 = Buffer.from(app.secret.bytes).toString("base64").replace(/=+$/, "");
    expect(row!.key_id).toBe(await keyIdOf(utf8(env.FACTOR_ENCRYPTION_KEY)));
    for (const clear of [enrolled.secret, secretHex, secretB64]) expect(row!.secret_sealed).not.toContain(clear);

    expect(lines.length).toBeGreaterThan(5);
    const secrets = [enrolled.secret, enrolled.otpauth_uri, secretHex, ...recoveryCodes, ...recoveryCodes.map((c) => c.replace(/-/g, ""))];
    for (const line of lines) {
      for (const secret of secrets) expect(line.includes(secret), `a log line leaks a secret: ${line}`).toBe(false);
      expect(line).not.toMatch(new RegExp(`\\b${code}\\b`));
    }
  });

  it("survive a FACTOR_ENCRYPTION_KEY rotation: the previous key still opens them, and the cron re-seals them", async () => {
    const oldKey = randomBytes(48).toString("base64");
    const newKey = randomBytes(48).toString("base64");
    const { user, app, now, enrolled } = await enrolWith({ FACTOR_ENCRYPTION_KEY: oldKey });
    const rotated = { FACTOR_ENCRYPTION_KEY: newKey, FACTOR_ENCRYPTION_KEY_PREVIOUS: oldKey };

    const login = await apiWith(rotated, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(login.body.channel).toBe("totp");
    expect((await apiWith(rotated, "POST", "/auth/2fa/verify", { body: { challenge_id: login.body.challenge_id, code: codeAt(app, now, 1) } })).status).toBe(200);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }), { ...env, ...rotated } as Env, ctx);
    await waitOnExecutionContext(ctx);
    const [row] = await sql<{ key_id: string }>("SELECT key_id FROM factors WHERE id = $1", [enrolled.factor_id]);
    expect(row!.key_id).toBe(await keyIdOf(utf8(newKey)));

    // The new key alone now opens it.
    const again = await apiWith({ FACTOR_ENCRYPTION_KEY: newKey, RATE_LIMIT_LOGIN_ACCOUNT: "100/900" }, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    // And without the right key the service says which variable is wrong, never a wrong-code answer.
    const lost = await apiWith({ FACTOR_ENCRYPTION_KEY: oldKey, RATE_LIMIT_LOGIN_ACCOUNT: "100/900" }, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(lost.status).toBe(500);
    expect(lost.body.error.code).toBe("invalid_factor_encryption_key");
  });
});
