/**
 * Three layers, each as fast as what it proves allows:
 *
 * - `core`: plain Node. The logic written in TypeScript (codes, tokens, config,
 *   job sealing, the flow's decisions on the in-memory store with a fixed clock).
 *   `npm run test:core` runs it alone, in a few seconds, with no database.
 * - `store`: plain Node. The store contract: the rules written in SQL, run
 *   against both the Postgres store (through the production client and the
 *   local HTTP SQL endpoint) and the in-memory store, which must pass the very
 *   same tests. `npm run test:store`.
 * - `http`: inside workerd (the Cloudflare vitest plugin) with the production
 *   wrangler.toml, against a real Postgres reached through the same
 *   @neondatabase/serverless HTTP path as production (a local endpoint). One
 *   workerd and one copy of the worker serve every file (`isolate: false`):
 *   each test makes its own users, addresses and IPs, so files cannot see each
 *   other's data.
 *
 *   npm test                                  embedded Postgres (PGlite), nothing to install
 *   TEST_DATABASE_URL=postgres://... npm test a fresh database on that server
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { freePort } from "../db/local/embedded.mjs";
import { documentedVariables, testBindings } from "./support/bindings";
import type { TestPlan } from "./support/plan";

const root = fileURLToPath(new URL("..", import.meta.url));

// wrangler would otherwise load a developer's .env into the bindings; .dev.vars it
// always loads, which is why every documented variable is pinned in bindings.ts.
process.env.CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV = "false";

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
    sqlHttpPort: await freePort(),
    fakePort: await freePort(),
    hungPort: await freePort(),
    chaosPort: await freePort(),
  };
  process.env.AUTH_TEST_PLAN = JSON.stringify(plan);
  return plan;
}

export default defineConfig(async () => {
  const plan = await makePlan();
  return {
    root,
    test: {
      // Request log lines are shown only for failing tests.
      silent: "passed-only",
      // One Postgres, HTTP endpoint and set of fakes for the whole run, shared by `store`
      // and `http`. At the root, it runs once whatever projects are selected; it
      // starts nothing when only `core` is.
      globalSetup: ["test/support/global-setup.ts"],
      projects: [
        {
          test: {
            name: "core",
            root,
            include: ["test/core/**/*.test.ts"],
            environment: "node",
            // One worker for every file: plain modules, nothing kept between tests but
            // what a test stubs (fake providers replace fetch, spies count WebCrypto
            // work), and that is restored after each test.
            isolate: false,
            unstubGlobals: true,
            restoreMocks: true,
          },
        },
        {
          test: {
            name: "store",
            root,
            include: ["test/store/**/*.test.ts"],
            environment: "node",
            // One worker imports the drivers once for every file; each test makes its own rows.
            isolate: false,
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: `${root}/wrangler.toml` },
              miniflare: {
                // The production queue waits up to 1 s to fill a batch; here a job is
                // handed to the consumer at once. Retries and the dead-letter queue
                // are as in wrangler.toml.
                queueConsumers: {
                  "auth-delivery": { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 5, deadLetterQueue: "auth-delivery-dlq" },
                  "auth-delivery-dlq": { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 3 },
                },
                bindings: testBindings(plan, documentedVariables(`${root}/.env.example`)),
              },
            }),
          ],
          test: {
            name: "http",
            root,
            include: ["test/http/**/*.test.ts"],
            // After core and store: the store contract's cleanup must not meet the cron
            // test's cleanup of the same database (on a machine with workers to spare).
            sequence: { groupOrder: 1 },
            isolate: false,
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
      ],
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
