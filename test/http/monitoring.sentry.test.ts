// Property: with SENTRY_DSN set, unexpected errors reach Sentry (an envelope POST to
// the DSN's project) with their request id, from requests and from the queue
// consumer; the event carries no message, request header or body. A database
// that is away is not an unexpected error: it goes to Sentry as its own kind, a
// warning under one fingerprint (an outage is one issue, not thousands), and the
// queue consumer retries the job. Without SENTRY_DSN nothing is sent (every other
// test runs so).
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../../functions/index";
import { apiWith } from "../support/api";
import { chaosProxy, through, type ChaosProxy } from "../support/chaos";
import { eventually } from "../support/eventually";
import { expectError } from "../support/expect";
import { utf8 } from "../../functions/core/crypto";
import { sealJob } from "../../functions/core/delivery/job";
import { uniqueEmail } from "../support/flows";

/** A database that answers every statement with a Postgres error (a missing table): a bug, so a 500. */
let broken: ChaosProxy;
/** A database that refuses connections: an outage, so a 503. */
let away: ChaosProxy;
beforeAll(async () => {
  broken = await chaosProxy({ mode: "error", code: "42P01" });
  away = await chaosProxy({ mode: "refuse" });
});
afterAll(async () => {
  await broken?.close();
  await away?.close();
});

const sentry = (database: ChaosProxy) => {
  const url = new URL(env.TEST_FAKE_PROVIDERS_URL);
  return { SENTRY_DSN: `http://publickey@${url.host}/42`, ...through(database) };
};

function envelopesWith(text: string): Promise<string[]> {
  return eventually(
    `a Sentry envelope holding ${text}`,
    async () => ((await (await fetch(`${env.TEST_FAKE_PROVIDERS_URL}/sentry`)).json()) as string[]).filter((e) => e.includes(text)),
    (found) => found.length > 0,
  );
}

/** The event item of an envelope (its third line). */
const eventOf = (envelope: string) => JSON.parse(envelope.split("\n")[2]!);

async function runJob(database: ChaosProxy, challengeId: string) {
  const job = await sealJob(utf8(env.SECRET_KEY), challengeId, 1, "123456");
  const batch = createMessageBatch("auth-delivery", [{ id: "m1", timestamp: new Date(), attempts: 1, body: job }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...sentry(database) } as Env, ctx);
  return getQueueResult(batch, ctx);
}

describe("Sentry", () => {
  it("receives an unexpected request error with its request id and SQLSTATE, and no headers or body", async () => {
    const password = "a secret that must not leave 99";
    const response = await apiWith(sentry(broken), "POST", "/auth/login", {
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
    expect(eventOf(envelope!)).toMatchObject({ level: "error", exception: { values: [{ value: expect.stringContaining("SQLSTATE 42P01") }] } });
  });

  it("receives an unexpected error from the queue consumer, which retries the job", async () => {
    const challengeId = crypto.randomUUID();
    const result = await runJob(broken, challengeId);
    expect(result.retryMessages).toHaveLength(1);
    const [envelope] = await envelopesWith(challengeId);
    expect(eventOf(envelope!)).toMatchObject({ level: "error" });
    expect(envelope).not.toMatch(/\b123456\b/); // as a word: the hex event id may hold these digits
  });

  it("gets a database outage as its own grouped kind, not as an unexpected error; the request answers 503", async () => {
    const response = await apiWith(sentry(away), "POST", "/auth/login", { body: { email: uniqueEmail(), password: "whatever it is" } });
    expectError(response, "service_unavailable");
    const [envelope] = await envelopesWith(response.headers.get("x-request-id")!);
    expect(eventOf(envelope!)).toMatchObject({
      level: "warning",
      fingerprint: ["database-unavailable"],
      tags: { kind: "database_unavailable", reason: "unreachable", route: "/auth/login" },
      exception: { values: [{ type: "DatabaseUnavailable" }] },
    });
  });

  it("gets a database outage in the queue consumer as that kind too; the job is retried, not failed", async () => {
    const challengeId = crypto.randomUUID();
    const result = await runJob(away, challengeId);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.explicitAcks).toHaveLength(0);
    const [envelope] = await envelopesWith(challengeId);
    expect(eventOf(envelope!)).toMatchObject({ level: "warning", fingerprint: ["database-unavailable"], tags: { queue: "auth-delivery" } });
  });
});
