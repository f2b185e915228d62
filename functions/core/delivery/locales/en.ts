/**
 * English: every word the service sends. Placeholders, filled in by
 * `../messages.ts`: {code} the one-time code; {minutes} its lifetime as digits
 * (SMS); {duration} the same in words, "5 minutes" (e-mail).
 *
 * SMS texts stay within the GSM 7-bit alphabet and one SMS (160 characters)
 * with a 6-digit code and 60 minutes; test/core/sms.one-segment.test.ts checks.
 * E-mails are plain text and end with `signature`. Notices never hold a code.
 */
import type { Catalog } from "../messages";

export const en: Catalog = {
  duration: { one: "{n} minute", other: "{n} minutes" },
  signature: "— The Innovation.ia team",
  messages: {
    sign_in_code: {
      email: {
        subject: "Your Innovation.ia sign-in code",
        text: `Your Innovation.ia sign-in code is {code}. It expires in {duration}.

Never share this code with anyone, not even someone who says they work for Innovation.ia.

If you did not try to sign in, someone may know your password: change it now.`,
      },
      sms: "Your Innovation.ia sign-in code is {code}. It expires in {minutes} min. Never share it with anyone.",
    },

    reset_code: {
      email: {
        subject: "Your Innovation.ia password reset code",
        text: `Use the code {code} to reset the password of your Innovation.ia account. It expires in {duration}.

Never share this code with anyone, not even someone who says they work for Innovation.ia.

If you did not ask to reset your password, you can ignore this e-mail: your password has not changed.`,
      },
    },

    phone_check: {
      sms: "Your Innovation.ia code to confirm this phone number is {code}. It expires in {minutes} min. If you did not ask for it, ignore this message.",
    },

    password_reset: {
      email: {
        subject: "Your Innovation.ia password was reset",
        text: `The password of your Innovation.ia account was just reset with a code sent to you.

If this was you, there is nothing else to do.

If it was not you, someone may have access to your e-mail. Secure your e-mail account first (change its password), then reset your Innovation.ia password from the sign-in page and review your two-step verification methods.`,
      },
    },

    password_changed: {
      email: {
        subject: "Your Innovation.ia password was changed",
        text: `The password of your Innovation.ia account was just changed.

If this was you, there is nothing else to do.

If it was not you, someone may have access to your account. Reset your password right away from the sign-in page and review your two-step verification methods.`,
      },
    },

    factor_enrolled: {
      email: {
        subject: "A two-step verification method was added to your Innovation.ia account",
        text: `A new two-step verification method was just added to your Innovation.ia account.

If this was you, there is nothing else to do.

If it was not you, someone may have access to your account. Reset your password right away from the sign-in page, then remove the method you do not recognise.`,
      },
    },

    factor_removed: {
      email: {
        subject: "A two-step verification method was removed from your Innovation.ia account",
        text: `A two-step verification method was just removed from your Innovation.ia account.

If this was you, there is nothing else to do.

If it was not you, someone may have access to your account. Reset your password right away from the sign-in page, then set up two-step verification again.`,
      },
    },

    recovery_code_used: {
      email: {
        subject: "A recovery code was used on your Innovation.ia account",
        text: `One of your Innovation.ia recovery codes was just used to sign in. That code cannot be used again.

If this was you, keep your remaining codes somewhere safe; if only a few are left, generate new ones in your account settings.

If it was not you, someone has your password and one of your recovery codes. Reset your password right away from the sign-in page, then generate new recovery codes: that makes all the old ones useless.`,
      },
    },

    recovery_codes_regenerated: {
      email: {
        subject: "New recovery codes for your Innovation.ia account",
        text: `New recovery codes were just generated for your Innovation.ia account. The old codes no longer work.

If this was you, keep the new codes somewhere safe.

If it was not you, someone may have access to your account. Reset your password right away from the sign-in page, then generate new recovery codes again.`,
      },
    },

    phone_changed: {
      email: {
        subject: "The phone number of your Innovation.ia account was changed",
        text: `The phone number of your Innovation.ia account was just changed. Codes by SMS now go to the new number.

If this was you, there is nothing else to do.

If it was not you, someone may have access to your account. Reset your password right away from the sign-in page, then set your phone number again.`,
      },
    },
  },
};
