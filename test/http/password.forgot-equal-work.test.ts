// Property: `forgot` does the same work for a known and an unknown address:
// one statement and one queued job each (the unknown one's job names a
// challenge that does not exist, so the consumer sends nothing). Counting the
// work, not timing it, keeps the test exact on a noisy machine.
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiWith } from "../support/api";
import { registerUser, uniqueEmail } from "../support/flows";

afterEach(() => vi.restoreAllMocks());

async function forgotWork(email: string) {
  const jobs: unknown[] = [];
  const queue = { send: async (job: unknown) => void jobs.push(job) };
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
  const response = await apiWith({ DELIVERY_QUEUE: queue as unknown as string }, "POST", "/auth/password/forgot", { body: { email } });
  vi.restoreAllMocks();
  const statements = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request")?.db_statements;
  return { response, jobs, statements };
}

describe("forgot password does equal work", () => {
  it("known and unknown address: one statement, one sealed job, the same answer", async () => {
    const user = await registerUser();
    const known = await forgotWork(user.email);
    const unknown = await forgotWork(uniqueEmail("nobody"));
    for (const work of [known, unknown]) {
      expect(work.response.status).toBe(202);
      expect(work.statements).toBe(1);
      expect(work.jobs).toHaveLength(1);
      expect(Object.keys(work.jobs[0] as object).sort()).toEqual(["challengeId", "sealed", "send", "v"]);
    }
  });
});
