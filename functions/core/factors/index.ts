/** Every second factor the service offers, by type. */
import type { FactorType } from "../types";
import { emailFactor, smsFactor } from "./oob";
import type { Factor } from "./types";

const FACTORS: Record<FactorType, Factor> = {
  email: emailFactor,
  sms: smsFactor,
};

export function factorFor(type: FactorType): Factor {
  return FACTORS[type];
}
