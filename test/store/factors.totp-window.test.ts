// Property: an authenticator's code is judged against the store's own clock,
// within one 30 s step either side of now (RFC 6238 §5.2), and only against the
// step MACs the challenge keeps (bound to that challenge): the codes of the step
// before, of now and of the step after verify; two steps away is a wrong code;
// a step the challenge did not keep, or a MAC made for another challenge, is
// wrong even inside the window; as time passes the window moves over the
// challenge's steps, for as long as the challenge lives. Without an active
// authenticator (removed, or still pending) no code verifies.
import { describe, expect, it } from "vitest";
import { anAuthenticator, aPendingAuthenticator, aTotpChallenge, storeStep, totpProof } from "../support/authenticator";
import { CLIENT, proof, verified, verifyOptions } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const WRONG = (attemptsRemaining: number) => ({ outcome: "wrong_code", attemptsRemaining });

describe.each(stores)("$name store: the TOTP window", (kind) => {
  const h = useHarness(kind);

  const consume = (id: string, p: Awaited<ReturnType<typeof totpProof>>) => h.store.consumeChallenge(id, p, verifyOptions());

  it("verifies the codes of the step before, of now and of the step after, and not two steps away", async () => {
    const offsets = [-2, -1, 0, 1, 2];
    const seen = await h.withinOneStep(async () => {
      const now = await storeStep(h.store);
      // One account per code: each accepted step would otherwise shut out the earlier ones.
      return Promise.all(
        offsets.map(async (offset) => {
          const auth = await anAuthenticator(h.store, now - 5);
          const challenge = await aTotpChallenge(h.store, auth);
          return { userId: auth.user.id, outcome: await consume(challenge.id, await totpProof(auth.secret, challenge.id, now + offset)) };
        }),
      );
    });
    expect(seen.map((s) => s.outcome)).toEqual([WRONG(4), ...seen.slice(1, 4).map((s) => verified(s.userId, { factor: "totp" })), WRONG(4)]);
  });

  it("moves the window with the clock over the steps the challenge keeps, while it lives", async () => {
    const seen = await h.withinOneStep(async () => {
      const now = await storeStep(h.store);
      const auth = await anAuthenticator(h.store, now - 5);
      const [early, late] = [await aTotpChallenge(h.store, auth), await aTotpChallenge(h.store, auth)];
      await h.elapse(120);
      const moved = {
        then: await consume(early.id, await totpProof(auth.secret, early.id, now)),
        twoBack: await consume(early.id, await totpProof(auth.secret, early.id, now + 2)),
        ahead: await consume(early.id, await totpProof(auth.secret, early.id, now + 5)),
      };
      // Nine steps on, still inside the challenge's five minutes: its last kept steps verify.
      await h.elapse(150);
      const lateOutcome = await consume(late.id, await totpProof(auth.secret, late.id, now + 10));
      await h.elapse(30);
      const expired = await aTotpChallenge(h.store, auth, { ttlSeconds: 30 });
      await h.elapse(30);
      return { userId: auth.user.id, moved, lateOutcome, expired: await consume(expired.id, await totpProof(auth.secret, expired.id, now + 11)) };
    });
    expect(seen.moved).toEqual({ then: WRONG(4), twoBack: WRONG(3), ahead: verified(seen.userId, { factor: "totp" }) });
    expect(seen.lateOutcome).toEqual(verified(seen.userId, { factor: "totp" }));
    expect(seen.expired).toEqual({ outcome: "gone" });
  });

  it("refuses a step the challenge did not keep, and a MAC made for another challenge, even inside the window", async () => {
    const seen = await h.withinOneStep(async () => {
      const now = await storeStep(h.store);
      const auth = await anAuthenticator(h.store, now - 5);
      const partial = await aTotpChallenge(h.store, auth, { firstStep: now + 1 });
      const other = await aTotpChallenge(h.store, auth);
      return {
        userId: auth.user.id,
        notKept: await consume(partial.id, await totpProof(auth.secret, partial.id, now)),
        othersMac: await consume(partial.id, await totpProof(auth.secret, other.id, now + 1)),
        // The challenge's own code_mac is empty for TOTP: an empty MAC is no code.
        empty: await consume(partial.id, proof("")),
        kept: await consume(partial.id, await totpProof(auth.secret, partial.id, now + 1)),
      };
    });
    expect(seen).toEqual({ userId: seen.userId, notKept: WRONG(4), othersMac: WRONG(3), empty: WRONG(2), kept: verified(seen.userId, { factor: "totp" }) });
  });

  it("verifies nothing once the authenticator is removed, or while it is only pending", async () => {
    const seen = await h.withinOneStep(async () => {
      const now = await storeStep(h.store);
      const auth = await anAuthenticator(h.store, now - 5);
      const challenge = await aTotpChallenge(h.store, auth);
      expect(await h.store.removeTotp(auth.session.caller, CLIENT)).toBe("removed");
      const pending = await aPendingAuthenticator(h.store);
      const pendingChallenge = await aTotpChallenge(h.store, pending);
      return {
        removed: await consume(challenge.id, await totpProof(auth.secret, challenge.id, now)),
        pending: await consume(pendingChallenge.id, await totpProof(pending.secret, pendingChallenge.id, now)),
        streak: await h.user(auth.user.id),
      };
    });
    expect(seen).toEqual({ removed: WRONG(4), pending: WRONG(4), streak: { failedOtpCount: 1, locked: false } });
  });
});
