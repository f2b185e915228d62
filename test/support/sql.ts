/**
 * Direct SQL for tests that must reach into the database: ageing a challenge
 * past its expiry, reading counters. It uses the worker's own driver through
 * the same bridge, from inside workerd.
 */
import { Client } from "@neondatabase/serverless";
import { env } from "cloudflare:test";
import { useLocalBridge } from "../../db/client";

export async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: env.DATABASE_URL });
  useLocalBridge(client, env.DATABASE_WS_PROXY);
  client.on("error", () => {});
  await client.connect();
  try {
    const result = await client.query(text, params);
    return result.rows as T[];
  } finally {
    await client.end();
  }
}
