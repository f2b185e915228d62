// Property: a new user can register, log in, receive a code, verify it and read their account.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { loginWithCode } from "../support/flows";

describe("the whole flow", () => {
  it("register, login, code by e-mail, verify, /auth/me", async () => {
    const { user, challengeId, code, login } = await loginWithCode();
    expect(login.body).toMatchObject({ channel: "email", expires_in: 300, resend_after: 60 });
    const verified = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    const me = await api("GET", "/auth/me", { token: verified.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({
      id: expect.any(String),
      email: user.email,
      phone: null,
      locale: "en",
      // The e-mail code just accepted proves the address.
      email_verified_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      phone_verified_at: null,
      created_at: expect.any(String),
    });
  });
});
