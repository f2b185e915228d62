/**
 * The Postgres implementation of the core's AuthStore, one file per feature.
 * Every method is exactly one SQL statement.
 */
import type { AuthStore } from "../../functions/core/store";
import type { Db } from "../client";
import { accountStore } from "./account";
import { deliveryStore } from "./delivery";
import { eventStore } from "./events";
import { recoveryStore } from "./recovery";
import { factorStore } from "./factors";
import { limitStore } from "./limits";
import { maintenanceStore } from "./maintenance";
import { sessionStore } from "./session";
import { signInStore } from "./signin";

export function postgresStore(db: Db): AuthStore {
  return {
    ...limitStore(db),
    ...accountStore(db),
    ...recoveryStore(db),
    ...eventStore(db),
    ...signInStore(db),
    ...factorStore(db),
    ...sessionStore(db),
    ...deliveryStore(db),
    ...maintenanceStore(db),
  };
}
