/**
 * Every binding the HTTP tests run with, pinned here. The worker under test gets
 * exactly these values for every variable `.env.example` documents, whatever a
 * developer keeps in `.env` or `.dev.vars` (wrangler loads those files into local
 * bindings): a value given here wins over the file's, and an empty string means
 * "not set" to the service's configuration. `config.hermetic.test.ts` checks that
 * nothing documented is left out.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { TestPlan } from "./plan";

/** The variables `.env.example` documents, in its order. */
export function documentedVariables(envExamplePath: string): string[] {
  return readFileSync(envExamplePath, "utf8")
    .split(/\r?\n/)
    .map((line) => line.match(/^([A-Z][A-Z0-9_]*)=/)?.[1])
    .filter((name): name is string => name !== undefined);
}

export function testBindings(plan: TestPlan, documented: string[]): Record<string, string> {
  const fake = `http://127.0.0.1:${plan.fakePort}`;
  const pinned: Record<string, string> = {
    ENVIRONMENT: "test",
    DATABASE_URL: plan.databaseUrl,
    DATABASE_HTTP_ENDPOINT: `http://127.0.0.1:${plan.sqlHttpPort}/sql`,
    SECRET_KEY: randomBytes(48).toString("base64"),
    PASSWORD_PEPPER: randomBytes(48).toString("base64"),
    FACTOR_ENCRYPTION_KEY: randomBytes(48).toString("base64"),
    SENDGRID_API_KEY: "SG.test-key",
    SENDGRID_API_URL: `${fake}/sendgrid`,
    EMAIL_FROM: "auth@innovation.test",
    TWILIO_ACCOUNT_SID: "ACtest",
    TWILIO_AUTH_TOKEN: "twilio-test-token",
    TWILIO_PHONE_NUMBER: "+15005550006",
    TWILIO_API_URL: `${fake}/twilio`,
    HEALTH_DEEP_TOKEN: randomBytes(24).toString("hex"),
    HEALTH_CHECK_EMAIL: "monitor@innovation.test",
    // The same values as wrangler.toml's [vars], pinned so a local .env cannot change them.
    JWT_ISSUER: "https://auth.innovation.ia",
    JWT_AUDIENCE: "innovation.ia",
    // A loaded 2-core CI machine can take over 2 s to open a connection; the
    // hung-database test sets the production 2 s back.
    HEALTH_DB_TIMEOUT_MS: "10000",
    // The floor: hashing is not what the HTTP tests are about. The production cost
    // (100,000, the Workers cap) has its own tests, which unset this.
    PASSWORD_ITERATIONS: "1000",
    // Retries of the delivery queue without waiting, so a failing job reaches the dead-letter queue quickly.
    DELIVERY_RETRY_BASE_SECONDS: "0",
    // The fake range server; the breach tests point it at a slow or a down one.
    HIBP_API_URL: `${fake}/hibp`,
    // Deep checks from many test files share one global counter; the limit itself has its own test.
    RATE_LIMIT_HEALTH_DEEP: "1000/60",
  };
  const bindings: Record<string, string> = {};
  // Everything else documented is explicitly unset, so the service's defaults apply.
  for (const name of documented) bindings[name] = pinned[name] ?? "";
  return {
    ...bindings,
    ...pinned,
    // Test-only bindings: where the fakes, the hung port and the chaos proxies' controller are.
    TEST_FAKE_PROVIDERS_URL: fake,
    TEST_CHAOS_URL: `http://127.0.0.1:${plan.chaosPort}`,
    TEST_HUNG_DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${plan.hungPort}/postgres?sslmode=disable`,
  };
}
