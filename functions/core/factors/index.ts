/** Every second factor the service offers, by type, and which of them an account may sign in with. */
import type { Config } from "../config";
import type { SignInAccount } from "../signin/store";
import type { FactorType } from "../types";
import { emailFactor, smsFactor } from "./oob";
import { recoveryFactor } from "./recovery";
import { totpFactor } from "./totp";
import type { Factor } from "./types";

const FACTORS: Record<FactorType, Factor> = {
  email: emailFactor,
  sms: smsFactor,
  totp: totpFactor,
  recovery: recoveryFactor,
};

export function factorFor(type: FactorType): Factor {
  return FACTORS[type];
}

/**
 * The factors this account may sign in with now. Once an authenticator app is
 * active, codes by e-mail and SMS are off (a mailbox alone would otherwise
 * defeat the app, and a password reset's promise to keep MFA with it), unless
 * ALLOW_WEAK_FALLBACK says otherwise; recovery codes are the fallback.
 */
export function usableFactors(account: SignInAccount, config: Pick<Config, "allowWeakFallback">): FactorType[] {
  const weakAllowed = !totpFactor.held(account) || config.allowWeakFallback;
  return (["totp", "email", "sms", "recovery"] as const).filter(
    (type) => FACTORS[type].held(account) && (weakAllowed || (type !== "email" && type !== "sms")),
  );
}
