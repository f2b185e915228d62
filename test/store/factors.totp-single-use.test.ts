// Property: each 30 s step of an authenticator is accepted at most once per
// account, whichever challenge it arrives on (RFC 6238 §5.2): once a step is
// accepted, at sign-in or to confirm the authenticator, its code and every
// earlier step's are wrong codes on every challenge of the account (counted as
// such), while a later step's still verifies and moves the account's last step
// on; of parallel verifies of one code, on separate challenges or on one,
// exactly one wins (on Postgres: separate requests on separate sessions,
// queueing on the authenticator's row).
import { describe, expect, it } from "vitest";
import type { ConsumeResult } from "../../functions/core/signin/store";
import { anAuthenticator, aTotpChallenge, storeStep, totpProof } from "../support/authenticator";
import { newRefresh, verified, verifyOptions } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const PARALLEL = 6;

describe.each(stores)("$name store: TOTP steps are single-use", (kind) => {
  const h = useHarness(kind);

  const consume = (id: string, proof: Awaited<ReturnType<typeof totpProof>>) => h.store.consumeChallenge(id, proof, verifyOptions());

  it("accepts a step once: its code and an earlier step's are wrong on the next challenge, a later step's verifies", async () => {
    const seen = await h.withinOneStep(async () => {
      const auth = await anAuthenticator(h.store, (await storeStep(h.store)) - 3);
      const [a, b] = [await aTotpChallenge(h.store, auth), await aTotpChallenge(h.store, auth)];
      const now = a.step;
      return {
        userId: auth.user.id,
        now,
        first: await consume(a.id, await totpProof(auth.secret, a.id, now)),
        afterFirst: (await h.totp(auth.user.id))?.lastStep,
        again: await consume(b.id, await totpProof(auth.secret, b.id, now)),
        earlier: await consume(b.id, await totpProof(auth.secret, b.id, now - 1)),
        later: await consume(b.id, await totpProof(auth.secret, b.id, now + 1)),
        afterLater: (await h.totp(auth.user.id))?.lastStep,
        streak: await h.user(auth.user.id),
      };
    });
    expect(seen.first).toEqual(verified(seen.userId, { factor: "totp" }));
    expect(seen.afterFirst).toBe(seen.now);
    expect(seen.again).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    expect(seen.earlier).toEqual({ outcome: "wrong_code", attemptsRemaining: 3 });
    expect(seen.later).toEqual(verified(seen.userId, { factor: "totp" }));
    expect(seen.afterLater).toBe(seen.now + 1);
    // The right code ended the streak the two refused ones had started.
    expect(seen.streak).toEqual({ failedOtpCount: 0, locked: false });
  });

  it("refuses the step that confirmed the authenticator, and earlier ones; the next one verifies", async () => {
    const seen = await h.withinOneStep(async () => {
      const now = await storeStep(h.store);
      const auth = await anAuthenticator(h.store, now);
      const challenge = await aTotpChallenge(h.store, auth);
      return {
        userId: auth.user.id,
        confirmed: await consume(challenge.id, await totpProof(auth.secret, challenge.id, now)),
        before: await consume(challenge.id, await totpProof(auth.secret, challenge.id, now - 1)),
        next: await consume(challenge.id, await totpProof(auth.secret, challenge.id, now + 1)),
      };
    });
    expect(seen.confirmed).toEqual({ outcome: "wrong_code", attemptsRemaining: 4 });
    expect(seen.before).toEqual({ outcome: "wrong_code", attemptsRemaining: 3 });
    expect(seen.next).toEqual(verified(seen.userId, { factor: "totp" }));
  });

  it(`signs in once when one code races on ${PARALLEL} challenges of the account`, async () => {
    const now = await storeStep(h.store);
    const auth = await anAuthenticator(h.store, now - 3);
    const challenges = await Promise.all(Array.from({ length: PARALLEL }, () => aTotpChallenge(h.store, auth)));
    // The code of the step the challenges were made in: within the window even if a step boundary passes meanwhile.
    const proofs = await Promise.all(challenges.map((c) => totpProof(auth.secret, c.id, c.step)));
    const refreshes = challenges.map(() => newRefresh());
    const outcomes: ConsumeResult[] = await Promise.all(challenges.map((c, i) => h.racing.consumeChallenge(c.id, proofs[i]!, verifyOptions({ refresh: refreshes[i]! }))));
    expect(outcomes.filter((o) => o.outcome === "verified")).toEqual([verified(auth.user.id, { factor: "totp" })]);
    expect(outcomes.filter((o) => o.outcome === "wrong_code")).toEqual(new Array(PARALLEL - 1).fill({ outcome: "wrong_code", attemptsRemaining: 4 }));
    const families = await Promise.all(refreshes.map((r) => h.family(r.familyId)));
    expect(families.filter((f) => f !== null)).toHaveLength(1);
    expect((await h.totp(auth.user.id))?.lastStep).toBe(challenges[0]!.step);
  });

  it(`signs in once when one code is sent ${PARALLEL} times on one challenge`, async () => {
    const now = await storeStep(h.store);
    const auth = await anAuthenticator(h.store, now - 3);
    const challenge = await aTotpChallenge(h.store, auth);
    const proof = await totpProof(auth.secret, challenge.id, challenge.step);
    const outcomes = await Promise.all(Array.from({ length: PARALLEL }, () => h.racing.consumeChallenge(challenge.id, proof, verifyOptions())));
    expect(outcomes.filter((o) => o.outcome === "verified")).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === "gone")).toHaveLength(PARALLEL - 1);
    expect(await h.challenge(challenge.id)).toMatchObject({ consumed: true, attempts: 0 });
  });
});
