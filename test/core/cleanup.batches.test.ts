// Property: the cron's cleanup deletes in bounded batches: it repeats while a
// batch of any kind comes back full, stops at the first short one, and never
// runs more than its cap of batches in one invocation, reporting what it did.
import { describe, expect, it } from "vitest";
import { memoryStore, memoryTables } from "../../db/memory/index";
import { cleanupExpired, CLEANUP_BATCH, CLEANUP_MAX_BATCHES } from "../../functions/core/cleanup";
import { NOW } from "../support/core";

const RETENTION_DAYS = 90;

/** A memory store holding `n` dead rate-limit windows. */
function withDeadWindows(n: number) {
  const tables = memoryTables();
  for (let i = 0; i < n; i++) tables.rateLimits.set(`dead:${i}`, { key: `dead:${i}`, count: 1, windowStart: NOW - 120_000, expiresAt: NOW - 60_000 });
  return { tables, store: memoryStore({ now: () => NOW, tables }) };
}

describe("cleanup batches", () => {
  it("repeats full batches and stops at the first short one", async () => {
    const { tables, store } = withDeadWindows(5);
    expect(await cleanupExpired(store, RETENTION_DAYS, 2)).toEqual({ challenges: 0, rateLimits: 5, refreshSessions: 0, events: 0, batches: 3 });
    expect(tables.rateLimits.size).toBe(0);
  });

  it("runs one more batch when the last full one emptied the table", async () => {
    const { store } = withDeadWindows(4);
    expect(await cleanupExpired(store, RETENTION_DAYS, 2)).toMatchObject({ rateLimits: 4, batches: 3 });
  });

  it("stops at its cap of batches and leaves the rest to the next run", async () => {
    const { tables, store } = withDeadWindows(10);
    expect(await cleanupExpired(store, RETENTION_DAYS, 2, 3)).toMatchObject({ rateLimits: 6, batches: 3 });
    expect(tables.rateLimits.size).toBe(4);
  });

  it("does one batch when nothing is dead, with the production batch size and cap", async () => {
    const { store } = withDeadWindows(0);
    expect(await cleanupExpired(store, RETENTION_DAYS)).toEqual({ challenges: 0, rateLimits: 0, refreshSessions: 0, events: 0, batches: 1 });
    expect([CLEANUP_BATCH, CLEANUP_MAX_BATCHES]).toEqual([1_000, 20]);
  });
});
