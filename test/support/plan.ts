/** What vitest.config.mts decides before workerd starts, handed to global-setup.ts. */
export interface TestPlan {
  /** The server from TEST_DATABASE_URL, or null for the embedded Postgres. */
  serverUrl: string | null;
  databaseName: string;
  databaseUrl: string;
  embeddedPort: number;
  bridgePort: number;
  fakePort: number;
  hungPort: number;
}
