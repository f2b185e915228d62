/**
 * Every message the service sends, rendered in the user's language. The words
 * live only in `locales/<locale>.ts`, one file per locale with the same keys
 * (the `Catalog` type makes a missing one a compile error); this module only
 * picks the text and fills in the code and its lifetime. A message is rendered
 * at the moment it is sent (in the queue consumer, or on the request path
 * without a queue), never stored: only the sealed code travels.
 */
import { normalizeLocale, type Locale } from "../locale";
import type { Channel } from "../types";
import { en } from "./locales/en";
import { ptBR } from "./locales/pt-BR";

/** What a sender puts on the wire. SMS uses only `text`; its `subject` is "". */
export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
}

/** Messages that carry a one-time code. */
export const CODE_KINDS = ["sign_in_code", "reset_code", "phone_check"] as const;
/** Security notices: they tell what happened to the account and never carry a secret. */
export const NOTICE_KINDS = [
  "password_reset",
  "password_changed",
  "factor_enrolled",
  "factor_removed",
  "recovery_code_used",
  "recovery_codes_regenerated",
  "phone_changed",
] as const;
export const MESSAGE_KINDS = [...CODE_KINDS, ...NOTICE_KINDS] as const;

export type CodeKind = (typeof CODE_KINDS)[number];
export type NoticeKind = (typeof NOTICE_KINDS)[number];
export type MessageKind = CodeKind | NoticeKind;

/**
 * A text that carries a code must show `{code}` and its lifetime: `{minutes}`
 * (digits, for SMS: "5 min") or `{duration}` (words, for e-mail: "5 minutes").
 */
export type CodeText = `${string}{code}${string}` & (`${string}{minutes}${string}` | `${string}{duration}${string}`);

export interface Email<Text extends string = string> {
  subject: string;
  text: Text;
}

/** Which channels each kind goes by, and what its text must hold. */
export interface MessageTexts extends Record<NoticeKind, { email: Email }> {
  sign_in_code: { email: Email<CodeText>; sms: CodeText };
  reset_code: { email: Email<CodeText> };
  phone_check: { sms: CodeText };
}

/** All the words of one locale. */
export interface Catalog {
  /** `{duration}`, with `{n}` for the number, in each plural form the locale's Intl.PluralRules can pick. */
  duration: { one: string; other: string } & Partial<Record<Intl.LDMLPluralRule, string>>;
  /** Closes every e-mail. */
  signature: string;
  messages: MessageTexts;
}

/** Every locale's words; `Record<Locale, ...>` makes a locale without a catalog a compile error. */
export const CATALOGS: Readonly<Record<Locale, Catalog>> = { en, "pt-BR": ptBR };

/** The channels a kind can go by: `"email" | "sms"` for a sign-in code, `"email"` for a notice. */
export type ChannelOf<K extends MessageKind> = K extends MessageKind ? keyof MessageTexts[K] & Channel : never;

export type RenderInput<K extends MessageKind> = {
  channel: ChannelOf<K>;
  to: string;
  locale: Locale;
  /** Required for code kinds; a notice ignores it, so a notice can never leak one. */
  code?: string;
  /** The code's lifetime, shown rounded to whole minutes (at least 1). */
  ttlSeconds?: number;
} & (K extends CodeKind ? { code: string; ttlSeconds: number } : unknown);

function fill(template: string, values: Readonly<Record<string, string>>): string {
  // One pass, so a value is never itself searched for placeholders.
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function isCodeKind(kind: MessageKind): kind is CodeKind {
  return (CODE_KINDS as readonly string[]).includes(kind);
}

/**
 * Renders one message in the user's locale. A locale that is not supported
 * (an old stored value, say) falls back to its language's locale, else to
 * English, so a sign-in code is never held back by a bad preference.
 */
export function renderMessage<K extends MessageKind>(kind: K, input: RenderInput<K>): OutgoingMessage {
  const { channel, to } = input;
  const locale = normalizeLocale(input.locale) ?? "en";
  const catalog = CATALOGS[locale];
  const texts = catalog.messages[kind] as Partial<Record<Channel, Email | string>>;
  const template = texts[channel];
  if (template === undefined) throw new Error(`${kind} is not sent by ${channel}`);

  const values: Record<string, string> = {};
  if (isCodeKind(kind)) {
    const { code, ttlSeconds } = input;
    if (!code || ttlSeconds === undefined || !(ttlSeconds > 0)) throw new Error(`${kind} needs a code and its lifetime`);
    const minutes = Math.max(1, Math.round(ttlSeconds / 60));
    const form = new Intl.PluralRules(locale).select(minutes);
    values.code = code;
    values.minutes = String(minutes);
    values.duration = fill(catalog.duration[form] ?? catalog.duration.other, { n: String(minutes) });
  }

  if (typeof template === "string") return { to, subject: "", text: fill(template, values) };
  return { to, subject: fill(template.subject, values), text: `${fill(template.text, values)}\n\n${catalog.signature}` };
}

/**
 * A sign-in code by e-mail or SMS. `locale` defaults to English, so callers
 * that do not know the user's language yet keep working.
 */
export function signInCodeMessage(channel: Channel, to: string, code: string, ttlSeconds: number, locale: Locale = "en"): OutgoingMessage {
  return renderMessage("sign_in_code", { channel, to, locale, code, ttlSeconds });
}
