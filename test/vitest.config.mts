/**
 * The test suite runs inside workerd (the Cloudflare vitest plugin) with the
 * production wrangler.toml, against a real Postgres reached through the same
 * @neondatabase/serverless WebSocket path as production.
 *
 *   npm test                                  embedded Postgres (PGlite), nothing to install
 *   TEST_DATABASE_URL=postgres://... npm test a fresh database on that server
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { freePort } from "../db/local/embedded.mjs";
import type { TestPlan } from "./support/plan";

const root = fileURLToPath(new URL("..", import.meta.url));

async function makePlan(): Promise<TestPlan> {
  // The plan is made once per vitest run; global setup reads it back from here.
  if (process.env.AUTH_TEST_PLAN) return JSON.parse(process.env.AUTH_TEST_PLAN) as TestPlan;
  const serverUrl = process.env.TEST_DATABASE_URL || null;
  const databaseName = `auth_test_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const embeddedPort = await freePort();
  let databaseUrl = `postgres://postgres:postgres@127.0.0.1:${embeddedPort}/postgres?sslmode=disable`;
  if (serverUrl) {
    const url = new URL(serverUrl);
    url.pathname = `/${databaseName}`;
    if (!url.searchParams.has("sslmode")) url.searchParams.set("sslmode", "disable");
    databaseUrl = url.toString();
  }
  const plan: TestPlan = {
    serverUrl,
    databaseName,
    databaseUrl,
    embeddedPort,
    bridgePort: await freePort(),
    fakePort: await freePort(),
    hungPort: await freePort(),
  };
  process.env.AUTH_TEST_PLAN = JSON.stringify(plan);
  return plan;
}

export default defineConfig(async () => {
  const plan = await makePlan();
  const fake = `http://127.0.0.1:${plan.fakePort}`;
  return {
    root,
    plugins: [
      cloudflareTest({
        wrangler: { configPath: `${root}/wrangler.toml` },
        miniflare: {
          bindings: {
            ENVIRONMENT: "test",
            DATABASE_URL: plan.databaseUrl,
            DATABASE_WS_PROXY: `127.0.0.1:${plan.bridgePort}/v2`,
            SECRET_KEY: randomBytes(48).toString("base64"),
            PASSWORD_PEPPER: randomBytes(48).toString("base64"),
            SENDGRID_API_KEY: "SG.test-key",
            SENDGRID_API_URL: `${fake}/sendgrid`,
            EMAIL_FROM: "auth@innovation.test",
            TWILIO_ACCOUNT_SID: "ACtest",
            TWILIO_AUTH_TOKEN: "twilio-test-token",
            TWILIO_PHONE_NUMBER: "+15005550006",
            TWILIO_API_URL: `${fake}/twilio`,
            HEALTH_DEEP_TOKEN: randomBytes(24).toString("hex"),
            HEALTH_CHECK_EMAIL: "monitor@innovation.test",
            // A loaded 2-core CI machine can take over 2 s to open a connection; the
            // hung-database test sets the production 2 s back.
            HEALTH_DB_TIMEOUT_MS: "10000",
            // Retries of the delivery queue without waiting, so a failing job reaches the dead-letter queue quickly.
            DELIVERY_RETRY_BASE_SECONDS: "0",
            // Deep checks from many test files share one global counter; the limit itself has its own test.
            RATE_LIMIT_HEALTH_DEEP: "1000/60",
            // Test-only bindings: where the fakes and the hung port are.
            TEST_FAKE_PROVIDERS_URL: fake,
            TEST_HUNG_DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${plan.hungPort}/postgres?sslmode=disable`,
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      globalSetup: ["test/support/global-setup.ts"],
      setupFiles: ["test/support/settle.ts"],
      testTimeout: 30_000,
      // Request log lines are shown only for failing tests.
      silent: "passed-only",
      hookTimeout: 60_000,
      // `npm run test:coverage`: istanbul (workerd has no V8 coverage); CI fails under the thresholds.
      coverage: {
        provider: "istanbul",
        include: ["functions/**/*.ts", "db/*.ts"],
        exclude: ["functions/worker-configuration.d.ts"],
        reporter: ["text-summary", "html", "lcov"],
        reportsDirectory: "coverage",
        thresholds: { lines: 85, functions: 85, branches: 75, statements: 85 },
      },
    },
  };
});
