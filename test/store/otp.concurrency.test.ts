// Property: verification is decided by one atomic step, so racing verifies (on
// Postgres: separate sessions, as separate worker requests) cannot both win
// or lose a count. Of N parallel verifies with the right code exactly one
// verifies and opens one refresh family; parallel wrong guesses are each counted
// exactly once and never past the cap; a right code racing wrong guesses wins,
// and the attempts counted are exactly the wrong guesses answered wrong_code.
import { describe, expect, it } from "vitest";
import { aChallenge, aUser, CLIENT, ipHit, LOCKOUT, newRefresh, proof, secretLike, verified } from "../support/store-contract";
import { stores, useHarness } from "../support/stores";

const PARALLEL = 20;

describe.each(stores)("$name store: parallel verification", (kind) => {
  const h = useHarness(kind);

  const race = (id: string, macs: string[]) => {
    const ip = ipHit();
    const refreshes = macs.map(() => newRefresh());
    const results = Promise.all(macs.map((mac, i) => h.racing.consumeChallenge(id, proof(mac), { ipHit: ip, refresh: refreshes[i]!, lockout: LOCKOUT, client: CLIENT })));
    return { results, refreshes };
  };

  it(`verifies exactly one of ${PARALLEL} parallel right codes, and opens exactly one family`, async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const { results, refreshes } = race(challenge.id, Array.from({ length: PARALLEL }, () => challenge.mac));
    const outcomes = await results;
    expect(outcomes.filter((r) => r.outcome === "verified")).toEqual([verified(user.id)]);
    expect(outcomes.filter((r) => r.outcome === "gone")).toHaveLength(PARALLEL - 1);
    const families = await Promise.all(refreshes.map((r) => h.family(r.familyId)));
    expect(families.filter((f) => f !== null)).toHaveLength(1);
    expect(families[outcomes.findIndex((r) => r.outcome === "verified")]).not.toBeNull();
  });

  it("counts each of 12 parallel wrong guesses exactly once, up to the cap of 5", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const outcomes = await race(challenge.id, Array.from({ length: 12 }, () => secretLike())).results;
    const counted = outcomes.flatMap((r) => (r.outcome === "wrong_code" ? [r.attemptsRemaining] : []));
    // Each counted guess saw a different number of attempts left.
    expect(counted.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(outcomes.filter((r) => r.outcome === "gone")).toHaveLength(7);
    expect(await h.challenge(challenge.id)).toMatchObject({ attempts: 5, consumed: false });
    expect(await h.user(user.id)).toEqual({ failedOtpCount: 5, locked: false });
  });

  it("lets the right code win over parallel wrong guesses without losing a count", async () => {
    const user = await aUser(h.store);
    const challenge = await aChallenge(h.store, user);
    const outcomes = await race(challenge.id, [challenge.mac, secretLike(), secretLike(), secretLike()]).results;
    expect(outcomes[0]).toEqual(verified(user.id));
    const wrongAnswered = outcomes.slice(1).filter((r) => r.outcome === "wrong_code").length;
    expect(outcomes.slice(1).filter((r) => r.outcome === "gone")).toHaveLength(3 - wrongAnswered);
    // Whatever the interleaving, exactly the guesses answered wrong_code were counted.
    expect(await h.challenge(challenge.id)).toMatchObject({ attempts: wrongAnswered, consumed: true });
  });
});
