// Property: a security notice goes to the account as it is now, its e-mail in
// its language, and nowhere once the account is gone; a failed sign-in is
// logged for an existing account only, with the client it came from (an
// unknown address leaves no trace, and is no error).
import { describe, expect, it } from "vitest";
import { aSession, aUser, CLIENT } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: notices and failed sign-ins", (kind) => {
  const h = useHarness(kind);

  it("names the account's e-mail and current language, and nothing once it is deleted", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    expect(await h.store.noticeRecipient(user.id)).toEqual({ email: user.email, locale: "en" });
    await h.store.setLocale(session.caller, "pt-BR");
    expect(await h.store.noticeRecipient(user.id)).toEqual({ email: user.email, locale: "pt-BR" });
    expect(await h.store.deleteAccount(session.caller)).toBe(true);
    expect(await h.store.noticeRecipient(user.id)).toBeNull();
    expect(await h.store.noticeRecipient(crypto.randomUUID())).toBeNull();
    await expect(h.store.noticeRecipient("not-a-uuid")).rejects.toThrow();
  });

  it("logs a failed sign-in for an existing account only", async () => {
    const user = await aUser(h.store);
    await h.store.recordFailedLogin(user.email, CLIENT);
    await h.store.recordFailedLogin(`ghost-${crypto.randomUUID()}@example.test`, CLIENT);
    await h.store.recordFailedLogin(user.email.toUpperCase(), CLIENT);
    expect(await h.events(user.id)).toEqual([{ type: "login_failed", factor: null, ...CLIENT }]);
  });
});
