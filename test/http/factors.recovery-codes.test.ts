// Property: a recovery code signs in once, atomically, and only as a recovery
// code: typed in any case and with or without dashes; after use it is refused;
// of N parallel uses of one code exactly one succeeds; regenerating kills every
// old code at once; the count of unused codes goes down by one per use. Only an
// HMAC of each code is stored (ASVS 5.0 §6.5.2).
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { AMR } from "../../functions/core/session/tokens";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { PASSWORD, signIn } from "../support/flows";
import { sql } from "../support/sql";
import { enrolAuthenticator } from "../support/totp";

const manyLogins = { RATE_LIMIT_LOGIN_ACCOUNT: "100/900" };

async function recoveryChallenge(email: string): Promise<string> {
  const login = await apiWith(manyLogins, "POST", "/auth/login", { body: { email, password: PASSWORD, channel: "recovery" } });
  expect(login.status, JSON.stringify(login.body)).toBe(202);
  expect(login.body).toMatchObject({ channel: "recovery", destination: null, resend_after: null });
  return login.body.challenge_id;
}

const verify = (challengeId: string, code: string) => api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });

describe("recovery codes", () => {
  it("sign in once, typed any way, and the count goes down", async () => {
    const { user, accessToken } = await signIn();
    const { recoveryCodes } = await enrolAuthenticator(accessToken);
    const code = recoveryCodes[0]!;
    const typed = `  ${code.replace(/-/g, "").toUpperCase()} `;
    const verified = await verify(await recoveryChallenge(user.email), typed);
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(decodeJwt(verified.body.access_token)).toMatchObject({ factor: "recovery", amr: [...AMR.recovery] });
    expectError(await verify(await recoveryChallenge(user.email), code), "invalid_code");
    const listed = await api("GET", "/auth/factors", { token: verified.body.access_token });
    expect(listed.body.recovery_codes_remaining).toBe(9);
  });

  it("are refused on a challenge for another factor, and a 6-digit code is refused on a recovery challenge", async () => {
    const { user, accessToken } = await signIn();
    const { recoveryCodes, app } = await enrolAuthenticator(accessToken);
    const totp = await apiWith(manyLogins, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expectError(await verify(totp.body.challenge_id, recoveryCodes[1]!), "invalid_code");
    expectError(await verify(await recoveryChallenge(user.email), app.generate()), "invalid_code");
  });

  it("give exactly one token to 8 parallel uses of one code on 8 challenges", async () => {
    const { user, accessToken } = await signIn();
    const { recoveryCodes } = await enrolAuthenticator(accessToken);
    const challenges = await Promise.all(Array.from({ length: 8 }, () => recoveryChallenge(user.email)));
    const responses = await Promise.all(challenges.map((id) => verify(id, recoveryCodes[2]!)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.body?.error?.code === "invalid_code")).toHaveLength(7);
    const [row] = await sql<{ used: number }>(
      "SELECT count(*)::int AS used FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1 AND r.used_at IS NOT NULL",
      [user.email],
    );
    expect(row!.used).toBe(1);
  });

  it("are replaced as a whole by regeneration: every old code dies at once", async () => {
    const { user, accessToken } = await signIn();
    const { recoveryCodes } = await enrolAuthenticator(accessToken);
    const regenerated = await api("POST", "/auth/recovery-codes", { token: accessToken });
    expect(regenerated.status).toBe(201);
    expect(regenerated.body.recovery_codes).toHaveLength(10);
    expect(regenerated.body.recovery_codes.filter((c: string) => recoveryCodes.includes(c))).toHaveLength(0);
    expectError(await verify(await recoveryChallenge(user.email), recoveryCodes[0]!), "invalid_code");
    expect((await verify(await recoveryChallenge(user.email), regenerated.body.recovery_codes[0])).status).toBe(200);
  });

  it("are stored only as MACs, never in clear", async () => {
    const { user, accessToken } = await signIn();
    const { recoveryCodes } = await enrolAuthenticator(accessToken);
    const rows = await sql<{ code_mac: string }>(
      "SELECT r.code_mac FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1",
      [user.email],
    );
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(rows);
    for (const code of recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace(/-/g, ""));
    }
  });
});
