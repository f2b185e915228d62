/**
 * Direct SQL for tests that must reach into the database: ageing a challenge
 * past its expiry, reading counters. It goes the worker's own way, from inside
 * workerd: the per-invocation client of db/client.ts over the local HTTP endpoint.
 */
import { env } from "cloudflare:test";
import { openDatabase } from "../../db/client";
import { loadDatabaseConfig } from "../../functions/core/config";

export async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const { db } = openDatabase(loadDatabaseConfig(env));
  const result = await db.$client.query(text, params, { fullResults: true });
  return result.rows as T[];
}
