/** Registration: a new account with an e-mail, a password, an optional phone and a language. */
import type { Deps } from "../deps";
import { AuthError } from "../errors";
import { hit, throwIfLimited } from "../limits";
import { resolveLocale } from "../locale";
import { hashPassword } from "./password";
import { refuseBreachedPassword, refuseCommonPassword } from "./password-policy";
import type { UserRecord } from "./store";

export interface Registration {
  email: string;
  password: string;
  phone?: string;
  /** An explicit BCP 47 choice; else the client's Accept-Language; else DEFAULT_LOCALE. */
  locale?: string;
  acceptLanguage?: string | null;
}

/** Creates an account. The e-mail arrives trimmed and lowercased from validation. */
export async function register(deps: Deps, input: Registration): Promise<UserRecord & { locale: string }> {
  refuseCommonPassword(input.password);
  // Counted before the breach check and hashing, so a flood of sign-ups costs neither.
  throwIfLimited(await deps.store.hitRateLimits([hit("register_ip", deps.clientIp, deps.config.rateLimits.registerIp)]));
  await refuseBreachedPassword(deps, input.password);
  const passwordHash = await hashPassword(input.password, deps.config.pepper, deps.config.passwordIterations);
  const locale = resolveLocale({ requested: input.locale, acceptLanguage: input.acceptLanguage, fallback: deps.config.defaultLocale });
  const user = await deps.store.createUser({ id: crypto.randomUUID(), email: input.email, phone: input.phone ?? null, passwordHash, locale });
  if (!user) throw new AuthError("email_taken");
  return { ...user, locale };
}
