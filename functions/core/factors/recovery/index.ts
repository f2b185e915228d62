/**
 * Recovery codes as a sign-in factor: the fallback when the authenticator app
 * is lost. Nothing is sent and the challenge keeps nothing; the shared verify
 * statement looks the presented code's MAC up among the account's unused codes
 * and marks it used in the same statement, so one code signs in once.
 */
import type { Factor } from "../types";

export const recoveryFactor: Factor = {
  type: "recovery",
  held: (account) => account.recoveryRemaining > 0,
  async start() {
    return { destination: null, check: { kind: "lookup" }, hits: [], cooldownHits: [] };
  },
};
