// Property: verification is decided by one atomic statement in Postgres. Of N
// parallel verifies with the right code exactly one gets a token; parallel wrong
// guesses are each counted exactly once, and never more than the cap.
// Run against the real server by `.ci/run` (TEST_DATABASE_URL), where the
// requests truly race on separate connections.
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../functions/core/errors";
import { api } from "../support/api";
import { loginWithCode } from "../support/flows";
import { sql } from "../support/sql";

const PARALLEL = 20;

describe("parallel verification", () => {
  it(`gives exactly one token to ${PARALLEL} parallel verifies with the right code`, async () => {
    const { challengeId, code } = await loginWithCode();
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () => api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } })),
    );
    const winners = responses.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(responses.filter((r) => r.body?.error?.code === "challenge_expired")).toHaveLength(PARALLEL - 1);
    expect(ERRORS.challenge_expired.status).toBe(401);
  });

  it("counts each of many parallel wrong guesses exactly once, up to the cap", async () => {
    const { challengeId, code } = await loginWithCode();
    const wrong = code === "000000" ? "111111" : "000000";
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: wrong } })),
    );
    const counted = responses.filter((r) => r.body?.error?.code === "invalid_code");
    // Five attempts: exactly five guesses were counted, each saw a different number of attempts left.
    expect(counted).toHaveLength(5);
    expect(counted.map((r) => r.body.error.attempts_remaining).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(responses.filter((r) => r.body?.error?.code === "challenge_expired")).toHaveLength(7);
    const [row] = await sql<{ attempts: number; consumed_at: string | null }>(
      "SELECT attempts, consumed_at FROM challenges WHERE id = $1",
      [challengeId],
    );
    expect(row).toEqual({ attempts: 5, consumed_at: null });
  });

  it("lets the right code win over parallel wrong guesses without losing a count", async () => {
    const { challengeId, code } = await loginWithCode();
    const wrong = code === "000000" ? "111111" : "000000";
    const bodies = [code, wrong, wrong, wrong].map((c) => ({ challenge_id: challengeId, code: c }));
    const responses = await Promise.all(bodies.map((body) => api("POST", "/auth/2fa/verify", { body })));
    const rightOne = responses[0]!;
    const counted = responses.slice(1).filter((r) => r.body?.error?.code === "invalid_code").length;
    const [row] = await sql<{ attempts: number }>("SELECT attempts FROM challenges WHERE id = $1", [challengeId]);
    // Whatever the interleaving, the database counted exactly the wrong guesses that were answered invalid_code.
    expect(row!.attempts).toBe(counted);
    expect(rightOne.status).toBe(200);
  });
});
