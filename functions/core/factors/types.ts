/**
 * The factor seam: what every second factor implements. Sign-in (core/signin/)
 * asks a factor to start a challenge for an account, stores what the factor
 * says to keep, sends what it says to send, and later checks a presented code
 * through the one shared verify path, whatever the factor.
 *
 * A new factor is a folder here with a `Factor`, a line in ./index.ts, and, if
 * its codes are checked differently, a ChallengeCheck kind the stores know.
 */
import type { Config } from "../config";
import type { RateHit } from "../limits";
import type { ChallengeCheck, SignInAccount } from "../signin/store";
import type { Channel, FactorType } from "../types";

/** What a factor knows when it starts a challenge. */
export interface StartContext {
  config: Config;
  clientIp: string;
  challengeId: string;
  /** The database's clock, in epoch seconds. */
  dbNowSeconds: number;
}

export interface ChallengeStart {
  /** Where the code goes (an address or a number); null when nothing is sent. */
  destination: string | null;
  /** What the challenge row keeps, to check a presented code against. */
  check: ChallengeCheck;
  /** Counters every code this challenge sends bumps (a retried login's new code too), on top of the login's own. */
  hits: RateHit[];
  /** Counters only a new challenge bumps: the cooldown between challenges. */
  cooldownHits: RateHit[];
  /** A code to deliver, for factors that send one. */
  delivery?: { channel: Channel; to: string; code: string };
}

export interface Factor {
  readonly type: FactorType;
  /** Whether this account holds the factor (a phone for SMS, an active authenticator, unused recovery codes). */
  held(account: SignInAccount): boolean;
  /** Starts a challenge for an account that holds the factor. */
  start(ctx: StartContext, account: SignInAccount): Promise<ChallengeStart>;
}
