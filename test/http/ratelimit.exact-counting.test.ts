// Property: under concurrency every guess is counted exactly once: 200 wrong
// guesses from one client against 40 challenges leave each challenge at exactly 5
// attempts, each account with a streak of exactly 5, and the client's counter at
// exactly 200. With the client's limit at 150, exactly 150 guesses are judged and
// 50 refused.
// At most 25 requests are in flight at once: the PostgreSQL server of CI allows
// 100 connections, shared by the test files running in parallel.
import { describe, expect, it } from "vitest";
import { apiWith, ipBucket, randomIp, type ApiResponse } from "../support/api";
import { loginWithCode } from "../support/flows";
import { sql } from "../support/sql";

const IN_FLIGHT = 25;

async function pooled<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

async function guesses(limit: string) {
  const challenges = await pooled(Array.from({ length: 40 }, () => () => loginWithCode()));
  const ip = randomIp();
  const tasks = challenges.flatMap(({ challengeId, code }) =>
    Array.from({ length: 5 }, () => () =>
      apiWith({ RATE_LIMIT_VERIFY_IP: limit }, "POST", "/auth/2fa/verify", {
        headers: { "cf-connecting-ip": ip },
        body: { challenge_id: challengeId, code: code === "000000" ? "111111" : "000000" },
      }),
    ),
  );
  const responses: ApiResponse[] = await pooled(tasks);
  const ids = challenges.map((c) => c.challengeId);
  const rows = await sql<{ attempts: number; failed_otp_count: number }>(
    "SELECT ch.attempts, u.failed_otp_count FROM challenges ch JOIN users u ON u.id = ch.user_id WHERE ch.id = ANY($1::uuid[])",
    [ids],
  );
  const [counter] = await sql<{ count: number }>("SELECT count FROM rate_limits WHERE key = $1", [`verify_ip:${ipBucket(ip)}`]);
  return { responses, rows, counter: counter!.count };
}

describe("exact counting under concurrency", () => {
  it("counts 200 parallel wrong guesses exactly, on challenges, accounts and the client", async () => {
    const { responses, rows, counter } = await guesses("1000/60");
    expect(responses.every((r) => r.body?.error?.code === "invalid_code")).toBe(true);
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.attempts === 5 && r.failed_otp_count === 5)).toBe(true);
    expect(counter).toBe(200);
  });

  it("judges exactly as many guesses as the limit allows and refuses the rest", async () => {
    const { responses, rows, counter } = await guesses("150/60");
    const judged = responses.filter((r) => r.body?.error?.code === "invalid_code").length;
    expect(judged).toBe(150);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(50);
    expect(rows.reduce((sum, r) => sum + r.attempts, 0)).toBe(150);
    expect(rows.reduce((sum, r) => sum + r.failed_otp_count, 0)).toBe(150);
    expect(counter).toBe(200);
  });
});
