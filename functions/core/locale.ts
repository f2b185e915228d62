/**
 * The languages the service writes to users in, and how a request picks one:
 * the user's explicit choice, else the browser's Accept-Language, else a
 * fallback. A tag is matched on its primary language only, because each
 * language has one locale here: pt, pt-BR and pt-PT all get Brazilian
 * Portuguese (Innovation.ia's users), en, en-US and en-GB all get English.
 * Imports nothing, so any feature may use it.
 */

export const LOCALES = ["en", "pt-BR"] as const;

export type Locale = (typeof LOCALES)[number];

/** The locale each primary language subtag (lowercase) is served in. */
const BY_LANGUAGE: ReadonlyMap<string, Locale> = new Map([["en", "en"], ["pt", "pt-BR"]]);

/** BCP 47 shape, loosely: a 2-3 letter language, then alphanumeric subtags of 1-8 (`pt-BR`, `en-Latn-GB`). */
const TAG = /^([a-z]{2,3})(?:-[a-z0-9]{1,8})*$/;

/** True for exactly the supported locale tags, spelled as in `LOCALES`. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * The supported locale for a BCP 47 tag, case-insensitively (`PT-br`, `pt_PT`
 * and `en-GB` all count), or null for a malformed or unsupported tag. This is
 * what validates a user's explicit choice before it is stored.
 */
export function normalizeLocale(tag: string | null | undefined): Locale | null {
  if (typeof tag !== "string") return null;
  const match = TAG.exec(tag.trim().toLowerCase().replaceAll("_", "-"));
  return (match && BY_LANGUAGE.get(match[1]!)) ?? null;
}

/**
 * Picks the locale for a message: the `requested` tag if it is supported, else
 * the best supported match in `acceptLanguage` (highest q first, header order
 * breaking ties; q=0 means "not this one"), else `fallback`.
 */
export function resolveLocale(input: { requested?: string | null; acceptLanguage?: string | null; fallback: Locale }): Locale {
  return normalizeLocale(input.requested) ?? fromAcceptLanguage(input.acceptLanguage, input.fallback) ?? input.fallback;
}

/** One entry of an Accept-Language header: `pt-BR;q=0.8`. */
interface Range {
  tag: string;
  q: number;
}

/** RFC 9110 §12.4.2 qvalue: 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

function parseAcceptLanguage(header: string): Range[] {
  const ranges: Range[] = [];
  for (const part of header.split(",")) {
    const [rawTag, ...params] = part.split(";");
    const tag = rawTag!.trim().toLowerCase();
    if (!tag) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split("=").map((s) => s.trim());
      if (name?.toLowerCase() !== "q") continue;
      // A malformed weight makes the whole entry unusable rather than guessing at it.
      q = value !== undefined && QVALUE.test(value) ? Number(value) : Number.NaN;
    }
    if (!Number.isNaN(q)) ranges.push({ tag, q });
  }
  return ranges;
}

/**
 * A range given q=0 rules out the locales it covers under RFC 4647 basic
 * filtering: `*`, the locale's own tag, or a prefix of it (`pt` rules out
 * pt-BR; `pt-PT` does not, since it asks for something else).
 */
function excludes(range: string, locale: Locale): boolean {
  const tag = locale.toLowerCase();
  return range === "*" || range === tag || tag.startsWith(`${range}-`);
}

function fromAcceptLanguage(header: string | null | undefined, fallback: Locale): Locale | null {
  if (!header) return null;
  const ranges = parseAcceptLanguage(header);
  const refused = (locale: Locale) => ranges.some((r) => r.q === 0 && excludes(r.tag, locale));
  let best: { locale: Locale; q: number } | null = null;
  for (const range of ranges) {
    if (range.q === 0 || (best && range.q <= best.q)) continue;
    // `*` is "anything else": the fallback if still acceptable, else any locale that is.
    const locale = range.tag === "*" ? [fallback, ...LOCALES].find((l) => !refused(l)) : normalizeLocale(range.tag);
    if (locale && !refused(locale)) best = { locale, q: range.q };
  }
  return best?.locale ?? null;
}
