// Property: an account's language is set only on its live session, and every
// answer the store gives in it follows: the profile, a verified sign-in, a
// resend, a delivery claim, a notice, a started reset or phone change.
import { describe, expect, it } from "vitest";
import { aChallenge, aPhone, aSession, aUser, CHALLENGE, CLIENT, hitOf, ipHit, proof, renewLimits, secretLike, uniqueKey, verifyOptions } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

describe.each(stores)("$name store: the account's language", (kind) => {
  const h = useHarness(kind);

  it("sets the language on a live session and answers the profile", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    expect(await h.store.setLocale(session.caller, "pt-BR")).toEqual({
      id: user.id,
      email: user.email,
      phone: null,
      locale: "pt-BR",
      emailVerifiedAt: h.timestamp(),
      phoneVerifiedAt: null,
      createdAt: h.timestamp(),
    });
    await h.store.revokeRefresh(session.id, CLIENT);
    expect(await h.store.setLocale(session.caller, "en")).toBeNull();
    expect(await h.account(user.id)).toMatchObject({ locale: "pt-BR" });
  });

  it("carries the language into sign-in, resend, delivery, notices, reset and phone change", async () => {
    const user = await aUser(h.store);
    const session = await aSession(h.store, user);
    await h.store.setLocale(session.caller, "pt-BR");
    const [signIn, resent] = [await aChallenge(h.store, user), await aChallenge(h.store, user)];
    expect(await h.store.consumeChallenge(signIn.id, proof(signIn.mac), verifyOptions())).toMatchObject({ outcome: "verified", locale: "pt-BR" });
    await h.elapse(CHALLENGE.resendSeconds);
    expect(await h.store.renewChallenge(resent.id, secretLike(), renewLimits())).toMatchObject({ outcome: "renewed", locale: "pt-BR" });
    expect(await h.store.claimDelivery(resent.id, 2, 30)).toMatchObject({ status: "claimed", locale: "pt-BR" });
    expect(await h.store.noticeRecipient(user.id)).toEqual({ email: user.email, locale: "pt-BR" });
    const reset = { id: crypto.randomUUID(), email: user.email, codeMac: secretLike(), ttlSeconds: 900, maxAttempts: 5, ipHit: ipHit(), accountHits: [ipHit()] };
    expect(await h.store.startReset(reset)).toEqual({ outcome: "started", locale: "pt-BR" });
    const change = { id: crypto.randomUUID(), phone: aPhone(), codeMac: secretLike(), ttlSeconds: 300, maxAttempts: 5, hits: [hitOf(uniqueKey(), 10)] };
    expect(await h.store.startPhoneChange(session.caller, change)).toEqual({ outcome: "started", locale: "pt-BR" });
  });
});
