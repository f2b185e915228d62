/**
 * The storage the core talks to: one narrow interface per feature, each method
 * one SQL statement in the Postgres store (db/store/), so every instance of the
 * worker sees the same state and concurrent requests serialise in the database,
 * not in memory. db/memory/ implements the same interface for fast core tests,
 * and test/store/ holds the contract both pass.
 */
import type { AccountStore } from "./account/store";
import type { CleanupStore } from "./cleanup";
import type { RecoveryStore } from "./account/reset-store";
import type { DeliveryStore } from "./delivery/store";
import type { EventStore } from "./events";
import type { FactorStore } from "./factors/store";
import type { HealthStore } from "./health";
import type { LimitStore } from "./limits";
import type { SessionStore } from "./session/store";
import type { SignInStore } from "./signin/store";

export type AuthStore = LimitStore &
  AccountStore &
  RecoveryStore &
  SignInStore &
  FactorStore &
  SessionStore &
  EventStore &
  DeliveryStore &
  CleanupStore &
  HealthStore;
