/**
 * Authenticator apps (TOTP, RFC 6238: SHA-1, 6 digits, 30 s, ±1 step of drift).
 *
 * At sign-in nothing is sent: the challenge keeps, for every 30 s step of its
 * life (one step of drift on each side), the MAC of the code the app will show,
 * computed here from the sealed secret. The one shared verify statement then
 * checks a presented code against the steps around the database's `now()`, and
 * in the same statement moves the factor's last accepted step forward: a step is
 * accepted at most once per account, whichever challenge it arrives on.
 */
import { codeMacKey, codeMacWith } from "../oob/code";
import type { Factor } from "../types";
import { factorKeyring, openTotpSecret } from "../keys";
import { hotp, timeStep } from "./rfc6238";

/** Steps of drift accepted on each side of the current one. */
export const TOTP_DRIFT_STEPS = 1;

export const totpFactor: Factor = {
  type: "totp",
  held: (account) => account.totp !== null,
  async start(ctx, account) {
    const secret = await openTotpSecret(await factorKeyring(ctx.config), account.totp!);
    const firstStep = timeStep(ctx.dbNowSeconds) - TOTP_DRIFT_STEPS;
    const lastStep = timeStep(ctx.dbNowSeconds + ctx.config.otp.ttlSeconds) + TOTP_DRIFT_STEPS;
    const key = await codeMacKey(ctx.config.secretKey);
    const macs: string[] = [];
    for (let step = firstStep; step <= lastStep; step++) macs.push(await codeMacWith(key, ctx.challengeId, await hotp(secret, step)));
    return { destination: null, check: { kind: "steps", firstStep, macs }, hits: [], cooldownHits: [] };
  },
};
