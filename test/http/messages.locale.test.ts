// Property: every message uses the account's language. An account registered
// with pt-BR (or whose browser asked for Portuguese) gets its sign-in and reset
// codes, by e-mail and SMS, in Portuguese; the user can change it; and neither
// the login nor the forgot answer tells which language an account uses.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { latestCode, PASSWORD, signIn, uniqueEmail, uniquePhone, waitForDelivery } from "../support/flows";

async function registerWith(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await api("POST", "/auth/register", { body: { email: uniqueEmail("lang"), password: PASSWORD, ...body }, headers });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.user as { id: string; email: string; locale: string };
}

describe("messages in the user's language", () => {
  it("sends sign-in and reset codes in Portuguese to a pt-BR account, by e-mail and SMS", async () => {
    const phone = uniquePhone();
    const user = await registerWith({ locale: "pt-BR", phone });
    expect(user.locale).toBe("pt-BR");
    const login = await api("POST", "/auth/login", { body: { email: user.email, password: PASSWORD, channel: "sms" } });
    expect(login.status).toBe(202);
    const [sms] = await waitForDelivery(phone);
    expect(sms!.text).toMatch(/c[oó]digo/i);
    expect(sms!.text).not.toMatch(/\bYour\b/);

    const forgot = await api("POST", "/auth/password/forgot", { body: { email: user.email } });
    expect(forgot.status).toBe(202);
    await latestCode(user.email);
    const [mail] = await waitForDelivery(user.email);
    expect(mail!.text).toMatch(/senha/i);
    expect(mail!.text).not.toMatch(/\bpassword\b/i);
  });

  it("takes the language from Accept-Language when none is given, else DEFAULT_LOCALE", async () => {
    expect((await registerWith({}, { "accept-language": "pt-PT;q=0.9, en;q=0.5" })).locale).toBe("pt-BR");
    expect((await registerWith({}, { "accept-language": "fr-FR" })).locale).toBe("en");
    expect((await registerWith({})).locale).toBe("en");
  });

  it("lets the user change it, and refuses a language it does not speak", async () => {
    const { accessToken } = await signIn();
    const changed = await api("PATCH", "/auth/me", { token: accessToken, body: { locale: "pt-br" } });
    expect(changed.status).toBe(200);
    expect(changed.body.user.locale).toBe("pt-BR");
    const refused = await api("PATCH", "/auth/me", { token: accessToken, body: { locale: "xx-YY" } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].field).toBe("locale");
  });

  it("never shows the account's language in the login or forgot answers", async () => {
    const pt = await registerWith({ locale: "pt-BR" });
    const en = await registerWith({ locale: "en" });
    const answers = await Promise.all(
      [pt, en].flatMap((u) => [
        api("POST", "/auth/login", { body: { email: u.email, password: PASSWORD } }),
        api("POST", "/auth/password/forgot", { body: { email: u.email } }),
      ]),
    );
    for (const a of answers) expect(JSON.stringify(a.body)).not.toMatch(/pt-BR|"en"|locale/i);
    expect(Object.keys(answers[0]!.body).sort()).toEqual(Object.keys(answers[2]!.body).sort());
    expect([...answers[0]!.headers.keys()].sort()).toEqual([...answers[2]!.headers.keys()].sort());
  });
});
