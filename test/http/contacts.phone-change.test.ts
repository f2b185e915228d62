// Property: a new phone number is used only once a code sent to it comes back.
// PUT /auth/me/phone sends the code by SMS to the NEW number (counted toward the
// account's codes and the number's SMS, so it cannot pump SMS); until confirmed,
// sign-in codes still go to the old number. Confirming makes the new number the
// account's, verified; a wrong code is 400 with attempts_remaining. The first
// accepted SMS code of a number proves it too.
import { describe, expect, it } from "vitest";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { clearCodeCooldown, codesTo, latestCode, loginWithCode, PASSWORD, signIn, uniquePhone } from "../support/flows";
import { sql } from "../support/sql";

describe("changing the phone", () => {
  it("sends a code to the new number, keeps using the old one until it is confirmed, then switches", async () => {
    const oldPhone = uniquePhone();
    const newPhone = uniquePhone();
    const { user, accessToken } = await signIn({ phone: oldPhone });
    const started = await api("PUT", "/auth/me/phone", { token: accessToken, body: { phone: newPhone } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toEqual({ destination: `${newPhone.slice(0, 3)}${"*".repeat(newPhone.length - 5)}${newPhone.slice(-2)}`, expires_in: 300 });
    const code = await latestCode(newPhone);

    // Not confirmed yet: a sign-in code by SMS goes to the old number.
    await clearCodeCooldown(user.id);
    const login = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "sms" } });
    expect(login.status).toBe(202);
    await latestCode(oldPhone);
    expect(await codesTo(newPhone)).toHaveLength(1);

    const wrong = await api("POST", "/auth/me/phone/confirm", { token: accessToken, body: { code: code === "000000" ? "111111" : "000000" } });
    expectError(wrong, "invalid_code", 400);
    expect(wrong.body.error.attempts_remaining).toBe(4);
    const confirmed = await api("POST", "/auth/me/phone/confirm", { token: accessToken, body: { code } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.user).toMatchObject({ phone: newPhone, phone_verified_at: expect.any(String) });
    expectError(await api("POST", "/auth/me/phone/confirm", { token: accessToken, body: { code } }), "no_pending_change");
  });

  it("needs a recent sign-in and counts toward the SMS limits (429 past them)", async () => {
    const { accessToken } = await signIn();
    const phone = uniquePhone();
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await apiWith({ RATE_LIMIT_SMS_NUMBER: "2/86400" }, "PUT", "/auth/me/phone", { token: accessToken, body: { phone } }));
    }
    expect(answers.slice(0, 2).map((r) => r.status)).toEqual([202, 202]);
    expectError(answers[2]!, "rate_limited");
  });

  it("marks a phone verified at its first accepted SMS sign-in code", async () => {
    const phone = uniquePhone();
    const { user, challengeId, code } = await loginWithCode({ phone, channel: "sms" });
    expect((await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } })).status).toBe(200);
    const [row] = await sql<{ phone: boolean; email: boolean }>(
      "SELECT phone_verified_at IS NOT NULL AS phone, email_verified_at IS NOT NULL AS email FROM users WHERE email = $1",
      [user.email],
    );
    expect(row).toEqual({ phone: true, email: false });
  });
});
