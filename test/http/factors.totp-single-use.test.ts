// Property: each 30 s step of an authenticator is accepted at most once per
// account, whichever challenge it arrives on, atomically: a code reused on a
// second challenge is refused, and of N parallel verifies of one code (on N
// challenges, or N times on one) exactly one succeeds. (better-auth #10387: TOTP
// codes reusable within their window.) Drift: one step either side is accepted,
// two are not, and a step older than the last accepted one is refused.
import { describe, expect, it } from "vitest";
import { api, apiWith } from "../support/api";
import { expectError } from "../support/expect";
import { PASSWORD, signIn } from "../support/flows";
import { sql } from "../support/sql";
import { awayFromStepEdge, codeAt, enrolAuthenticator } from "../support/totp";

const PARALLEL = 8;
const manyLogins = { RATE_LIMIT_LOGIN_ACCOUNT: "100/900" };

async function totpChallenge(email: string): Promise<string> {
  const login = await apiWith(manyLogins, "POST", "/auth/login", { body: { email, password: PASSWORD } });
  expect(login.status, JSON.stringify(login.body)).toBe(202);
  expect(login.body.channel).toBe("totp");
  return login.body.challenge_id;
}

const verify = (challengeId: string, code: string) => api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } });

describe("authenticator codes are single-use", () => {
  it("refuses a code already used, on a second challenge", async () => {
    const { user, accessToken } = await signIn();
    const { app, confirmedAt } = await enrolAuthenticator(accessToken);
    const code = codeAt(app, confirmedAt, 1);
    expect((await verify(await totpChallenge(user.email), code)).status).toBe(200);
    const again = await verify(await totpChallenge(user.email), code);
    expectError(again, "invalid_code");
  });

  it(`gives exactly one token to ${PARALLEL} parallel verifies of one code on ${PARALLEL} challenges`, async () => {
    const { user, accessToken } = await signIn();
    const { app, confirmedAt } = await enrolAuthenticator(accessToken);
    const challenges = await Promise.all(Array.from({ length: PARALLEL }, () => totpChallenge(user.email)));
    const code = codeAt(app, confirmedAt, 1);
    const responses = await Promise.all(challenges.map((id) => verify(id, code)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.body?.error?.code === "invalid_code")).toHaveLength(PARALLEL - 1);
  });

  it(`gives exactly one token to ${PARALLEL} parallel verifies of one code on one challenge`, async () => {
    const { user, accessToken } = await signIn();
    const { app, confirmedAt } = await enrolAuthenticator(accessToken);
    const challengeId = await totpChallenge(user.email);
    const code = codeAt(app, confirmedAt, 1);
    const responses = await Promise.all(Array.from({ length: PARALLEL }, () => verify(challengeId, code)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.body?.error?.code === "challenge_expired")).toHaveLength(PARALLEL - 1);
  });
});

describe("clock drift", () => {
  it("accepts one step either side, refuses two, and never goes back to an older step", async () => {
    const { user, accessToken } = await signIn();
    const { app, enrolled } = await enrolAuthenticator(accessToken);
    // As if the app had last been used long ago: the confirmation's step must not hide the -1 step.
    await sql("UPDATE factors SET last_step = NULL WHERE id = $1", [enrolled.factor_id]);
    // Judged against the database clock; start well inside a step so none of these crosses one.
    const now = await awayFromStepEdge(12);
    const at = (steps: number) => codeAt(app, now, steps);
    const distinct = (steps: number, others: number[]) => others.every((o) => at(o) !== at(steps));
    // A code that happens to equal a neighbour's (1 in 10^6) would make a refusal look accepted.
    expect(distinct(-2, [-1, 0, 1]) && distinct(2, [-1, 0, 1])).toBe(true);

    expectError(await verify(await totpChallenge(user.email), at(-2)), "invalid_code");
    expectError(await verify(await totpChallenge(user.email), at(2)), "invalid_code");
    expect((await verify(await totpChallenge(user.email), at(-1))).status).toBe(200);
    expect((await verify(await totpChallenge(user.email), at(1))).status).toBe(200);
    // The +1 step was accepted, so the current one is now in the past for this account.
    expectError(await verify(await totpChallenge(user.email), at(0)), "invalid_code");
  });
});
