/**
 * Starts, once per run, what the `store` and `http` projects talk to: a
 * Postgres (embedded PGlite by default, or a fresh database on the server in
 * TEST_DATABASE_URL), the local HTTP SQL endpoint both reach it through (pooled,
 * as Neon's is: the worker in workerd, and the production client in Node for the
 * store contract), the chaos proxies' controller (between the worker and that
 * endpoint), the fake providers, and a TCP port that accepts and never answers
 * (a hung database). Ports and names were chosen by vitest.config.mts, which
 * gave them to workerd and to every test process (AUTH_TEST_PLAN). With only
 * `core` selected there is nothing to start.
 */
import net from "node:net";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../db/local/embedded.mjs";
import { applyMigrations, createScratchDatabase } from "../../db/local/migrate.mjs";
import { startSqlHttp } from "../../db/local/sql-http.mjs";
import { startChaosController } from "./chaos-proxy.mjs";
import { startFakeProviders } from "./fake-providers.mjs";
import type { TestPlan } from "./plan";

/** The projects that need the database, its HTTP endpoint and the fakes. */
const NEEDS_DATABASE = new Set(["store", "http"]);

export default async function setup(project: TestProject) {
  if (!project.vitest.projects.some((p) => NEEDS_DATABASE.has(p.name))) return;
  const plan = JSON.parse(process.env.AUTH_TEST_PLAN ?? "null") as TestPlan | null;
  if (!plan) throw new Error("AUTH_TEST_PLAN is not set: run the tests with `npm test`");
  const stops: (() => Promise<unknown>)[] = [];

  if (plan.serverUrl) {
    const scratch = await createScratchDatabase(plan.serverUrl, plan.databaseName);
    stops.push(() => scratch.drop());
  } else {
    const embedded = await startEmbeddedPostgres({ port: plan.embeddedPort });
    stops.push(() => embedded.stop());
  }
  await applyMigrations(plan.databaseUrl);

  const endpoint = await startSqlHttp({ port: plan.sqlHttpPort });
  stops.push(() => endpoint.close());
  const chaos = await startChaosController({ port: plan.chaosPort, upstreamPort: plan.sqlHttpPort });
  stops.push(() => chaos.close());
  const fakes = await startFakeProviders({ port: plan.fakePort });
  stops.push(() => fakes.close());

  const hungSockets = new Set<net.Socket>();
  const hung = net.createServer((socket) => {
    hungSockets.add(socket);
    socket.on("close", () => hungSockets.delete(socket));
  });
  await new Promise<void>((resolve) => hung.listen(plan.hungPort, "127.0.0.1", resolve));
  // server.close() waits for open connections: drop them, or teardown waits forever.
  stops.push(() => new Promise((resolve) => (hungSockets.forEach((s) => s.destroy()), hung.close(resolve))));

  return async () => {
    for (const stop of stops.reverse()) {
      // Each stop is awaited (its real signal) and bounded: a teardown that hangs would hold CI until its time limit.
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise((resolve) => (timer = setTimeout(() => resolve("timed out"), 10_000)));
      const outcome = await Promise.race([stop().catch((error) => `failed: ${error}`), limit]);
      clearTimeout(timer);
      if (typeof outcome === "string") console.error(`teardown step ${outcome}`);
    }
  };
}
