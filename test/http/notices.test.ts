// Property: the account's e-mail is told about what changes its security: a
// password reset or change, a factor enrolled or removed, recovery codes used
// or regenerated, a phone change. One notice each, through the delivery queue,
// in the account's language, and never holding a secret.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { eventually } from "../support/eventually";
import { deliveredTo, latestCode, PASSWORD, signIn } from "../support/flows";
import { enrolAuthenticator } from "../support/totp";

/** The notices (messages without a code) the address received. */
async function notices(email: string) {
  return (await deliveredTo(email)).filter((m) => !/\b\d{6}\b/.test(m.text));
}

const waitForNotices = (email: string, count: number) =>
  eventually(`${count} notice(s) to ${email}`, () => notices(email), (found) => found.length >= count);

describe("security notices", () => {
  it("one for a password reset, holding no secret", async () => {
    const { user } = await signIn();
    const { reset_id } = (await api("POST", "/auth/password/forgot", { body: { email: user.email } })).body;
    const code = await latestCode(user.email, 2);
    const newPassword = "a whole new passphrase here";
    expect((await api("POST", "/auth/password/reset", { body: { reset_id, code, new_password: newPassword } })).status).toBe(204);
    const [notice] = await waitForNotices(user.email, 1);
    expect(notice!.text).toMatch(/password/i);
    for (const secret of [code, newPassword, PASSWORD, reset_id]) expect(notice!.text).not.toContain(secret);
    expect(await notices(user.email)).toHaveLength(1);
  });

  it("one for enrolling and one for removing an authenticator app, and one for regenerating recovery codes", async () => {
    const { user, accessToken } = await signIn();
    const { enrolled, recoveryCodes } = await enrolAuthenticator(accessToken);
    await waitForNotices(user.email, 1);
    expect((await api("POST", "/auth/recovery-codes", { token: accessToken })).status).toBe(201);
    await waitForNotices(user.email, 2);
    expect((await api("DELETE", "/auth/factors/totp", { token: accessToken })).status).toBe(204);
    const all = await waitForNotices(user.email, 3);
    expect(all).toHaveLength(3);
    const text = JSON.stringify(all);
    for (const secret of [enrolled.secret, enrolled.otpauth_uri, ...recoveryCodes]) expect(text).not.toContain(secret);
  });
});
