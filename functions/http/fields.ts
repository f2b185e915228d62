/** Field schemas shared by the functions' request bodies. */
import * as z from "zod/mini";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../core/account/password";
import { isRecoveryCodeShaped } from "../core/factors/recovery/codes";
import { LOCALES, normalizeLocale } from "../core/locale";

/**
 * The e-mail addresses accepted: exactly HTML's `<input type=email>` rule (the
 * WHATWG "valid e-mail address", what a browser form accepts), ASCII only, at
 * most 254 characters (RFC 5321). Internationalised addresses (non-ASCII in the
 * local part or the domain) are refused with a message that says so: a
 * documented choice, since SMTPUTF8 delivery is not guaranteed end to end.
 * Trimmed and lowercased, as every stored address is.
 */
const HTML_EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export const email = z.string().check(
  z.trim(),
  z.toLowerCase(),
  z.maxLength(254, "At most 254 characters."),
  z.refine((value) => /^[\x00-\x7f]*$/.test(value), "Only ASCII addresses are accepted: internationalised addresses are not supported."),
  z.refine((value) => !/^[\x00-\x7f]*$/.test(value) || HTML_EMAIL.test(value), "Not a valid e-mail address."),
);

/** Length in characters (code points), not UTF-16 units. */
export const password = z.string().check(
  z.refine((value) => [...value].length >= PASSWORD_MIN_LENGTH, `At least ${PASSWORD_MIN_LENGTH} characters.`),
  z.refine((value) => [...value].length <= PASSWORD_MAX_LENGTH, `At most ${PASSWORD_MAX_LENGTH} characters.`),
);

/** The password a signed-in user types to prove it is them: any non-empty one up to the cap (the rules apply to new ones). */
export const currentPassword = z.string().check(z.minLength(1, "Required."), z.maxLength(1024, "Too long."));

/** A supported language (BCP 47): en or pt-BR; pt, pt-PT, en-US and the like are read as those. */
export const locale = z.pipe(
  z.string().check(z.maxLength(35, "Not a language tag.")),
  z.transform((value, ctx) => {
    const normalized = normalizeLocale(value);
    if (!normalized) ctx.issues.push({ code: "custom", message: `One of ${LOCALES.join(", ")}.`, input: value });
    return normalized ?? "en";
  }),
);

/** E.164: a plus, a country code and up to 15 digits in all. */
export const phone = z.string().check(z.trim(), z.regex(/^\+[1-9][0-9]{6,14}$/, "Use E.164 format, e.g. +5511987654321."));

/** The second factor to sign in with. */
export const channel = z.enum(["email", "sms", "totp", "recovery"]);

export const challengeId = z.string().check(
  z.trim(),
  z.toLowerCase(),
  z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "Not a challenge id."),
);

/** A 6-digit code (e-mail, SMS, authenticator app). */
export const code = z.string().check(z.trim(), z.regex(/^[0-9]{6}$/, "Six digits."));

/** What a sign-in challenge accepts: a 6-digit code, or a recovery code (any case, dashes optional). */
export const signInCode = z.string().check(
  z.trim(),
  z.maxLength(32, "Six digits, or a recovery code like abcd-efgh-ijkl."),
  z.refine((value) => /^[0-9]{6}$/.test(value) || isRecoveryCodeShaped(value), "Six digits, or a recovery code like abcd-efgh-ijkl."),
);

/** `<family uuid>.<43 base64url characters>`; shape checked again in the core. */
export const refreshToken = z.string().check(z.trim(), z.minLength(1, "Required."), z.maxLength(2048, "Not a refresh token."));
