/**
 * How many SMS a text costs, per 3GPP TS 23.038 (formerly GSM 03.38) and TS
 * 23.040. A text made only of GSM 7-bit default alphabet characters goes as
 * septets: 160 in one SMS, 153 per part once split (the rest of each part is
 * the concatenation header); a character of the extension table (`€`, `[`,
 * `{`, `~`...) is an escape plus a septet, so it costs 2 and is never split
 * across parts. Anything else sends the whole text as UCS-2: 70 UTF-16 units
 * in one SMS, 67 per part. National language shift tables (23.038 §6.2.1.2,
 * including a Portuguese one) are not counted on: providers do not promise
 * them, so a character only they hold is treated as UCS-2.
 */

/**
 * The default alphabet in septet order, 0x00 to 0x7F. 0x1B is the escape to
 * the extension table, not a character; it is dropped below. 0x09 is `Ç`, the
 * capital the standard shows (the Unicode mapping file reads it as `ç`, a
 * disagreement no text here depends on).
 */
const DEFAULT_ALPHABET =
  "@£$¥èéùìòÇ\nØø\rÅå" +
  "\u0394_\u03A6\u0393\u039B\u03A9\u03A0\u03A8\u03A3\u0398\u039E\u001BÆæßÉ" +
  " !\"#¤%&'()*+,-./" +
  "0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNO" +
  "PQRSTUVWXYZÄÖÑÜ§" +
  "¿abcdefghijklmno" +
  "pqrstuvwxyzäöñüà";

const BASIC: ReadonlySet<string> = new Set([...DEFAULT_ALPHABET].filter((c) => c !== "\u001B"));

/** The extension table's characters: form feed, ^ { } \ [ ~ ] | and €. */
const EXTENSION: ReadonlySet<string> = new Set(["\f", "^", "{", "}", "\\", "[", "~", "]", "|", "€"]);

/** Capacity of one SMS and of each part of a split one, in the encoding's units. */
const LIMITS = {
  gsm7: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
} as const;

export interface SmsSegments {
  encoding: "gsm7" | "ucs2";
  /** Septets for gsm7 (extension characters count 2), UTF-16 code units for ucs2. */
  units: number;
  /** SMS billed for the text; an empty text is still one (empty) SMS. */
  segments: number;
}

/** True when every character is in the GSM 7-bit default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (const char of text) if (!BASIC.has(char) && !EXTENSION.has(char)) return false;
  return true;
}

/** The encoding a text goes out in, its length in that encoding's units, and how many SMS it takes. */
export function smsSegments(text: string): SmsSegments {
  const encoding = isGsm7(text) ? "gsm7" : "ucs2";
  // Per code point, so neither an escape pair nor a surrogate pair is cut between parts.
  const costs = Array.from(text, (char) => (encoding === "gsm7" ? (EXTENSION.has(char) ? 2 : 1) : char.length));
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const { single, part } = LIMITS[encoding];
  if (units <= single) return { encoding, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > part) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, units, segments };
}
