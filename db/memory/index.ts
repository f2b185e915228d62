/**
 * An in-memory implementation of the core's AuthStore, one file per feature as
 * in db/store/ (the verify path in its own file, verify.ts; the column types in
 * values.ts; what features share in common.ts). It reproduces the observable
 * semantics of the Postgres store's statements (test/store/ is the contract
 * both pass) with an injectable clock, so core tests run in plain Node with a
 * fixed time and no database.
 * Not for production: one process's memory is not shared between instances.
 */
import type { AuthStore } from "../../functions/core/store";
import type { Clock } from "../../functions/core/types";
import { accountStore } from "./account";
import { deliveryStore } from "./delivery";
import { eventStore } from "./events";
import { factorStore } from "./factors";
import { limitStore } from "./limits";
import { maintenanceStore } from "./maintenance";
import { recoveryStore } from "./recovery";
import { sessionStore } from "./session";
import { signInStore } from "./signin";
import { memoryTables, type MemoryTables } from "./tables";

export { memoryTables, MemoryStoreError, type MemoryTables } from "./tables";

export interface MemoryStoreOptions {
  /** The store's clock, in milliseconds: what the database's `now()` is to the Postgres store. */
  now?: Clock;
  /** The tables to work on; pass your own to look inside them in a test. */
  tables?: MemoryTables;
}

export function memoryStore(options: MemoryStoreOptions = {}): AuthStore {
  const ctx = { tables: options.tables ?? memoryTables(), now: options.now ?? Date.now };
  return {
    ...limitStore(ctx),
    ...accountStore(ctx),
    ...recoveryStore(ctx),
    ...eventStore(ctx),
    ...signInStore(ctx),
    ...factorStore(ctx),
    ...sessionStore(ctx),
    ...deliveryStore(ctx),
    ...maintenanceStore(ctx),
  };
}
