// Property: every locale has every message the service sends, by every channel
// that message goes by; a rendered message never shows a raw placeholder; a
// code message shows its code (first, where the tests' and users' eyes look)
// and its lifetime; a security notice never shows a code, even when handed one.
import { describe, expect, it } from "vitest";
import { LOCALES, type Locale } from "../../functions/core/locale";
import {
  CATALOGS, CODE_KINDS, MESSAGE_KINDS, NOTICE_KINDS, renderMessage, signInCodeMessage,
  type MessageKind, type OutgoingMessage,
} from "../../functions/core/delivery/messages";
import type { Channel } from "../../functions/core/types";

const CODE = "937164";
const TTL = 300;

/** The channels each kind goes by, read from the English catalog (every locale must match it). */
const channelsOf = (kind: MessageKind) => Object.keys(CATALOGS.en.messages[kind]).sort() as Channel[];

function render(kind: MessageKind, channel: Channel, locale: Locale, code = CODE, ttlSeconds = TTL): OutgoingMessage {
  return renderMessage(kind, { channel, to: "x", locale, code, ttlSeconds } as never);
}

function* everyMessage() {
  for (const locale of LOCALES) for (const kind of MESSAGE_KINDS) for (const channel of channelsOf(kind)) yield { locale, kind, channel };
}

describe("catalogs", () => {
  it("list exactly the kinds asked for", () => {
    expect([...CODE_KINDS]).toEqual(["sign_in_code", "reset_code", "phone_check"]);
    expect([...NOTICE_KINDS].sort()).toEqual(
      ["password_reset", "password_changed", "factor_enrolled", "factor_removed", "recovery_code_used", "recovery_codes_regenerated", "phone_changed"].sort(),
    );
    expect(channelsOf("sign_in_code")).toEqual(["email", "sms"]);
    expect(channelsOf("reset_code")).toEqual(["email"]);
    expect(channelsOf("phone_check")).toEqual(["sms"]);
    for (const kind of NOTICE_KINDS) expect(channelsOf(kind), kind).toEqual(["email"]);
  });

  it("exist for every locale, with the same kinds and channels as English and a text of their own", () => {
    expect(Object.keys(CATALOGS).sort()).toEqual([...LOCALES].sort());
    for (const locale of LOCALES) {
      const catalog = CATALOGS[locale];
      expect(Object.keys(catalog.messages).sort(), locale).toEqual([...MESSAGE_KINDS].sort());
      for (const kind of MESSAGE_KINDS) expect(Object.keys(catalog.messages[kind]).sort(), `${locale} ${kind}`).toEqual(channelsOf(kind));
    }
    for (const { locale, kind, channel } of everyMessage()) {
      if (locale === "en") continue;
      // A key copied from English and never translated would pass the type check; it must not pass this.
      expect(render(kind, channel, locale).text, `${locale} ${kind} ${channel}`).not.toBe(render(kind, channel, "en").text);
    }
  });
});

describe("rendering", () => {
  it("fills every placeholder: no {name}, ${...}, undefined or NaN reaches a user", () => {
    for (const { locale, kind, channel } of everyMessage()) {
      for (const ttl of [30, 60, 300, 900, 3600]) {
        const { subject, text } = render(kind, channel, locale, CODE, ttl);
        for (const part of [subject, text]) {
          expect(part, `${locale} ${kind} ${channel}`).not.toMatch(/\{\s*\w*\s*\}|\$\{|undefined|NaN|null/);
        }
      }
    }
  });

  it("gives e-mails a subject and a signature, and SMS an empty subject", () => {
    for (const { locale, kind, channel } of everyMessage()) {
      const message = render(kind, channel, locale);
      expect(message.to).toBe("x");
      expect(message.text.trim().length, `${locale} ${kind} ${channel}`).toBeGreaterThan(20);
      if (channel === "sms") expect(message.subject).toBe("");
      else {
        expect(message.subject.length, `${locale} ${kind}`).toBeGreaterThan(10);
        expect(message.text.endsWith(CATALOGS[locale].signature), `${locale} ${kind}`).toBe(true);
      }
    }
  });

  it("shows the code as the message's first 6-digit number, with its lifetime", () => {
    for (const { locale, kind, channel } of everyMessage()) {
      if (!(CODE_KINDS as readonly string[]).includes(kind)) continue;
      const { subject, text } = render(kind, channel, locale, CODE, 900);
      expect(subject).not.toContain(CODE);
      // The regex test/support/flows.ts and the bench use to read a code.
      expect(text.match(/\b(\d{6})\b/)?.[1], `${locale} ${kind} ${channel}`).toBe(CODE);
      expect(text, `${locale} ${kind} ${channel}`).toMatch(/\b15 min/);
    }
  });

  it("never puts a code in a security notice, even when one is passed", () => {
    for (const { locale, kind, channel } of everyMessage()) {
      if (!(NOTICE_KINDS as readonly string[]).includes(kind)) continue;
      const { subject, text } = render(kind, channel, locale, CODE, TTL);
      for (const part of [subject, text]) {
        expect(part, `${locale} ${kind}`).not.toContain(CODE);
        expect(part, `${locale} ${kind}`).not.toMatch(/\d{4,}/);
      }
      // Each notice says what to do when it was not the user.
      expect(text, `${locale} ${kind}`).toMatch(locale === "en" ? /If it was not you/ : /Se não foi você/);
    }
  });

  it("says how long a code lasts in whole minutes, in the locale's singular and plural", () => {
    const text = (locale: Locale, ttl: number) => render("reset_code", "email", locale, CODE, ttl).text;
    expect(text("en", 60)).toContain("expires in 1 minute.");
    expect(text("en", 30)).toContain("expires in 1 minute.");
    expect(text("en", 300)).toContain("expires in 5 minutes.");
    expect(text("en", 3600)).toContain("expires in 60 minutes.");
    expect(text("pt-BR", 60)).toContain("expira em 1 minuto.");
    expect(text("pt-BR", 900)).toContain("expira em 15 minutos.");
    expect(render("sign_in_code", "sms", "pt-BR", CODE, 3600).text).toContain("Vale por 60 min.");
  });

  it("tells a reset-code reader that ignoring it leaves the password unchanged", () => {
    expect(render("reset_code", "email", "en").text).toMatch(/did not ask.*ignore this e-mail: your password has not changed/s);
    expect(render("reset_code", "email", "pt-BR").text).toMatch(/não pediu.*ignorar este e-mail: a sua senha continua a mesma/s);
  });

  it("writes Portuguese e-mails with their accents", () => {
    const { subject, text } = render("sign_in_code", "email", "pt-BR");
    expect(subject).toBe("Seu código de acesso ao Innovation.ia");
    expect(text).toContain("Seu código de acesso ao Innovation.ia é 937164. Ele expira em 5 minutos.");
    expect(text).toMatch(/ninguém/);
  });
});

describe("misuse", () => {
  it("refuses a code message without a code or a lifetime", () => {
    expect(() => renderMessage("sign_in_code", { channel: "sms", to: "x", locale: "en" } as never)).toThrow(/needs a code/);
    expect(() => renderMessage("reset_code", { channel: "email", to: "x", locale: "en", code: CODE } as never)).toThrow(/needs a code/);
    expect(() => renderMessage("phone_check", { channel: "sms", to: "x", locale: "en", code: "", ttlSeconds: TTL })).toThrow(/needs a code/);
    expect(() => renderMessage("phone_check", { channel: "sms", to: "x", locale: "en", code: CODE, ttlSeconds: 0 })).toThrow(/needs a code/);
  });

  it("refuses a kind on a channel it does not go by", () => {
    expect(() => render("phone_check", "email", "en")).toThrow(/not sent by email/);
    expect(() => render("password_changed", "sms", "pt-BR")).toThrow(/not sent by sms/);
  });

  it("serves an unsupported stored locale in its language, else English, rather than failing a code", () => {
    const english = render("sign_in_code", "sms", "en").text;
    expect(render("sign_in_code", "sms", "fr" as Locale).text).toBe(english);
    expect(render("sign_in_code", "sms", "pt" as Locale).text).toBe(render("sign_in_code", "sms", "pt-BR").text);
  });
});

describe("signInCodeMessage", () => {
  it("is the sign-in code message, in English unless told otherwise", () => {
    expect(signInCodeMessage("email", "a@b.c", CODE, TTL)).toEqual(renderMessage("sign_in_code", { channel: "email", to: "a@b.c", locale: "en", code: CODE, ttlSeconds: TTL }));
    expect(signInCodeMessage("sms", "+5511987654321", CODE, TTL, "pt-BR")).toEqual({
      to: "+5511987654321",
      subject: "",
      text: render("sign_in_code", "sms", "pt-BR").text,
    });
  });
});
