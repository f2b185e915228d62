/** What vitest.config.mts decides before workerd starts, handed to global-setup.ts. */
export interface TestPlan {
  /** The server from TEST_DATABASE_URL, or null for the embedded Postgres. */
  serverUrl: string | null;
  databaseName: string;
  databaseUrl: string;
  embeddedPort: number;
  /** The local Neon-style HTTP SQL endpoint (db/local/sql-http.mjs) the worker reaches Postgres through. */
  sqlHttpPort: number;
  fakePort: number;
  hungPort: number;
  /** The chaos proxies' controller (support/chaos-proxy.mjs), between the worker and the endpoint. */
  chaosPort: number;
}
