// Property: every SMS the service sends, in every locale, with the longest
// values it can carry (a 6-digit code, 60 minutes: OTP_TTL_SECONDS tops out at
// 3600), goes out as ONE SMS in the GSM 7-bit alphabet. The segment counter
// that says so agrees, character by character over the whole BMP, with the
// GSM 03.38 table copied below from the standard, and with known examples.
import { describe, expect, it } from "vitest";
import { CATALOGS, CODE_KINDS, renderMessage } from "../../functions/core/delivery/messages";
import { isGsm7, smsSegments } from "../../functions/core/delivery/sms";
import { LOCALES } from "../../functions/core/locale";

/**
 * 3GPP TS 23.038 V16.0.0 (2020-07) = ETSI TS 123 038, §6.2.1 "GSM 7 bit
 * Default Alphabet" (septet -> Unicode), written out as the Unicode
 * Consortium's MAPPINGS/ETSI/GSM0338.TXT does, with one difference: at 0x09
 * the standard shows capital C-cedilla (U+00C7), where GSM0338.TXT reads
 * small c-cedilla. 0x1B is the escape to the extension table, not a character.
 */
const DEFAULT_ALPHABET: [number, number][] = [
  [0x00, 0x0040], [0x01, 0x00a3], [0x02, 0x0024], [0x03, 0x00a5], [0x04, 0x00e8], [0x05, 0x00e9], [0x06, 0x00f9], [0x07, 0x00ec],
  [0x08, 0x00f2], [0x09, 0x00c7], [0x0a, 0x000a], [0x0b, 0x00d8], [0x0c, 0x00f8], [0x0d, 0x000d], [0x0e, 0x00c5], [0x0f, 0x00e5],
  [0x10, 0x0394], [0x11, 0x005f], [0x12, 0x03a6], [0x13, 0x0393], [0x14, 0x039b], [0x15, 0x03a9], [0x16, 0x03a0], [0x17, 0x03a8],
  [0x18, 0x03a3], [0x19, 0x0398], [0x1a, 0x039e], /* 0x1B escape */ [0x1c, 0x00c6], [0x1d, 0x00e6], [0x1e, 0x00df], [0x1f, 0x00c9],
  [0x20, 0x0020], [0x21, 0x0021], [0x22, 0x0022], [0x23, 0x0023], [0x24, 0x00a4], [0x25, 0x0025], [0x26, 0x0026], [0x27, 0x0027],
  [0x28, 0x0028], [0x29, 0x0029], [0x2a, 0x002a], [0x2b, 0x002b], [0x2c, 0x002c], [0x2d, 0x002d], [0x2e, 0x002e], [0x2f, 0x002f],
  [0x30, 0x0030], [0x31, 0x0031], [0x32, 0x0032], [0x33, 0x0033], [0x34, 0x0034], [0x35, 0x0035], [0x36, 0x0036], [0x37, 0x0037],
  [0x38, 0x0038], [0x39, 0x0039], [0x3a, 0x003a], [0x3b, 0x003b], [0x3c, 0x003c], [0x3d, 0x003d], [0x3e, 0x003e], [0x3f, 0x003f],
  [0x40, 0x00a1], [0x41, 0x0041], [0x42, 0x0042], [0x43, 0x0043], [0x44, 0x0044], [0x45, 0x0045], [0x46, 0x0046], [0x47, 0x0047],
  [0x48, 0x0048], [0x49, 0x0049], [0x4a, 0x004a], [0x4b, 0x004b], [0x4c, 0x004c], [0x4d, 0x004d], [0x4e, 0x004e], [0x4f, 0x004f],
  [0x50, 0x0050], [0x51, 0x0051], [0x52, 0x0052], [0x53, 0x0053], [0x54, 0x0054], [0x55, 0x0055], [0x56, 0x0056], [0x57, 0x0057],
  [0x58, 0x0058], [0x59, 0x0059], [0x5a, 0x005a], [0x5b, 0x00c4], [0x5c, 0x00d6], [0x5d, 0x00d1], [0x5e, 0x00dc], [0x5f, 0x00a7],
  [0x60, 0x00bf], [0x61, 0x0061], [0x62, 0x0062], [0x63, 0x0063], [0x64, 0x0064], [0x65, 0x0065], [0x66, 0x0066], [0x67, 0x0067],
  [0x68, 0x0068], [0x69, 0x0069], [0x6a, 0x006a], [0x6b, 0x006b], [0x6c, 0x006c], [0x6d, 0x006d], [0x6e, 0x006e], [0x6f, 0x006f],
  [0x70, 0x0070], [0x71, 0x0071], [0x72, 0x0072], [0x73, 0x0073], [0x74, 0x0074], [0x75, 0x0075], [0x76, 0x0076], [0x77, 0x0077],
  [0x78, 0x0078], [0x79, 0x0079], [0x7a, 0x007a], [0x7b, 0x00e4], [0x7c, 0x00f6], [0x7d, 0x00f1], [0x7e, 0x00fc], [0x7f, 0x00e0],
];

/** The same standard, §6.2.1.1 "GSM 7 bit default alphabet extension table": 0x1B then these septets. */
const EXTENSION_TABLE: [number, number][] = [
  [0x0a, 0x000c], [0x14, 0x005e], [0x28, 0x007b], [0x29, 0x007d], [0x2f, 0x005c],
  [0x3c, 0x005b], [0x3d, 0x007e], [0x3e, 0x005d], [0x40, 0x007c], [0x65, 0x20ac],
];

const basic = new Set(DEFAULT_ALPHABET.map(([, unicode]) => unicode));
const extension = new Set(EXTENSION_TABLE.map(([, unicode]) => unicode));

describe("the GSM-7 table", () => {
  it("is the standard's, checked over every character of the BMP", () => {
    expect(DEFAULT_ALPHABET).toHaveLength(127);
    expect(new Set(DEFAULT_ALPHABET.map(([septet]) => septet)).size).toBe(127);
    expect(basic.size).toBe(127);
    const mismatches: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCharCode(cp);
      const expected = basic.has(cp) ? { encoding: "gsm7", units: 1 } : extension.has(cp) ? { encoding: "gsm7", units: 2 } : { encoding: "ucs2", units: 1 };
      const got = smsSegments(char);
      if (isGsm7(char) !== (expected.encoding === "gsm7") || got.encoding !== expected.encoding || got.units !== expected.units) {
        mismatches.push(`U+${cp.toString(16).padStart(4, "0")}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("has the accented letters it has, and not the Portuguese ones it lacks", () => {
    for (const char of "éèùìòÇØøÅåÄÖÑÜ§¿àäöñüÉÆæß") expect(isGsm7(char), char).toBe(true);
    for (const char of "óáãâêíôõúçÁÓÍÚÊÔÃÕ") expect(isGsm7(char), char).toBe(false);
    expect(isGsm7("código")).toBe(false);
    expect(isGsm7("codigo é")).toBe(true);
  });
});

describe("segment counting", () => {
  const a = (n: number) => "a".repeat(n);

  it("fits 160 septets in one SMS and 153 per part after that", () => {
    expect(smsSegments(a(160))).toEqual({ encoding: "gsm7", units: 160, segments: 1 });
    expect(smsSegments(a(161))).toEqual({ encoding: "gsm7", units: 161, segments: 2 });
    expect(smsSegments(a(306))).toEqual({ encoding: "gsm7", units: 306, segments: 2 });
    expect(smsSegments(a(307))).toEqual({ encoding: "gsm7", units: 307, segments: 3 });
    expect(smsSegments("")).toEqual({ encoding: "gsm7", units: 0, segments: 1 });
  });

  it("counts an extension character as two septets", () => {
    expect(smsSegments("€")).toEqual({ encoding: "gsm7", units: 2, segments: 1 });
    expect(smsSegments(`${a(158)}€`)).toEqual({ encoding: "gsm7", units: 160, segments: 1 });
    expect(smsSegments(`${a(159)}€`)).toEqual({ encoding: "gsm7", units: 161, segments: 2 });
    expect(smsSegments("[]{}~^|\\\f€").units).toBe(20);
  });

  it("never splits an escape pair between parts", () => {
    // 152 + 2 would overflow the first part's 153, so the € opens part two: 152 | 2+151 | 1.
    expect(smsSegments(`${a(152)}€${a(152)}`)).toEqual({ encoding: "gsm7", units: 306, segments: 3 });
  });

  it("sends a text with one non-GSM character as UCS-2: 70 units in one SMS, 67 per part", () => {
    expect(smsSegments("ó")).toEqual({ encoding: "ucs2", units: 1, segments: 1 });
    expect(smsSegments(`ó${a(69)}`)).toEqual({ encoding: "ucs2", units: 70, segments: 1 });
    expect(smsSegments(`ó${a(70)}`)).toEqual({ encoding: "ucs2", units: 71, segments: 2 });
    expect(smsSegments(`ó${a(133)}`)).toEqual({ encoding: "ucs2", units: 134, segments: 2 });
    expect(smsSegments(`ó${a(134)}`)).toEqual({ encoding: "ucs2", units: 135, segments: 3 });
    // In UCS-2, € is one unit like any other character.
    expect(smsSegments(`ó€`)).toEqual({ encoding: "ucs2", units: 2, segments: 1 });
  });

  it("counts an astral character as two UTF-16 units and never splits it", () => {
    expect(smsSegments("😀")).toEqual({ encoding: "ucs2", units: 2, segments: 1 });
    // 66 + 2 would overflow 67, so the emoji opens part two: 66 | 2+65 | 1.
    expect(smsSegments(`ó${a(65)}😀${a(66)}`)).toEqual({ encoding: "ucs2", units: 134, segments: 3 });
  });
});

describe("every SMS the service sends", () => {
  const smsKinds = CODE_KINDS.filter((kind) => "sms" in CATALOGS.en.messages[kind]);

  it("covers the SMS kinds", () => {
    expect(smsKinds).toEqual(["sign_in_code", "phone_check"]);
  });

  it("is one GSM-7 SMS in every locale, for every code and every lifetime the configuration allows", () => {
    for (const locale of LOCALES) {
      for (const kind of smsKinds) {
        // OTP_TTL_SECONDS is 30..3600: 1 to 60 minutes once rounded.
        for (let ttlSeconds = 30; ttlSeconds <= 3600; ttlSeconds += 30) {
          for (const code of ["000000", "999999"]) {
            const { text } = renderMessage(kind, { channel: "sms", to: "+5511987654321", locale, code, ttlSeconds });
            const counted = smsSegments(text);
            expect(counted, `${locale} ${kind} ${ttlSeconds}s: ${text}`).toMatchObject({ encoding: "gsm7", segments: 1 });
            expect(counted.units).toBeLessThanOrEqual(160);
          }
        }
      }
    }
  });
});
