// Property: with SENTRY_DSN set, unexpected errors reach Sentry (an envelope POST to
// the DSN's project) with their request id, from requests and from the queue
// consumer; the event carries no message, request header or body. Without
// SENTRY_DSN nothing is sent (every other test runs so).
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index";
import { apiWith } from "../support/api";
import { eventually } from "../support/eventually";
import { expectError } from "../support/expect";
import { utf8 } from "../../functions/core/crypto";
import { sealJob } from "../../functions/core/delivery/job";
import { uniqueEmail } from "../support/flows";

const fakeSentry = () => {
  const url = new URL(env.TEST_FAKE_PROVIDERS_URL);
  return { SENTRY_DSN: `http://publickey@${url.host}/42`, DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:9/postgres?sslmode=disable" };
};

function envelopesWith(text: string): Promise<string[]> {
  return eventually(
    `a Sentry envelope holding ${text}`,
    async () => ((await (await fetch(`${env.TEST_FAKE_PROVIDERS_URL}/sentry`)).json()) as string[]).filter((e) => e.includes(text)),
    (found) => found.length > 0,
  );
}

describe("Sentry", () => {
  it("receives an unexpected request error with its request id, and no headers or body", async () => {
    const password = "a secret that must not leave 99";
    const response = await apiWith(fakeSentry(), "POST", "/auth/login", {
      body: { email: uniqueEmail(), password },
      headers: { authorization: "Bearer should-not-leak" },
    });
    expectError(response, "internal_error");
    const requestId = response.body.error.request_id as string;
    expect(requestId).toBeTruthy();
    const [envelope] = await envelopesWith(requestId);
    expect(envelope).toBeDefined();
    expect(envelope).not.toContain(password);
    expect(envelope).not.toContain("should-not-leak");
  });

  it("receives an error from the queue consumer, which retries the job", async () => {
    const challengeId = crypto.randomUUID();
    const job = await sealJob(utf8(env.SECRET_KEY), challengeId, 1, "123456");
    const batch = createMessageBatch("auth-delivery", [{ id: "m1", timestamp: new Date(), attempts: 1, body: job }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, ...fakeSentry() } as Env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toHaveLength(1);
    const [envelope] = await envelopesWith(challengeId);
    expect(envelope).toBeDefined();
    expect(envelope).not.toMatch(/\b123456\b/); // as a word: the hex event id may hold these digits
  });
});
