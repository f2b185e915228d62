// Property: a message's language is the user's explicit choice when we speak
// it (any case, any region of the language), else the best language of the
// browser's Accept-Language we speak (q-values honoured, q=0 never chosen),
// else the configured fallback; an unknown explicit choice is refused as null.
import { describe, expect, it } from "vitest";
import { isLocale, LOCALES, normalizeLocale, resolveLocale } from "../../functions/core/locale";

describe("normalizeLocale", () => {
  it("maps every region of a language we speak to its one locale, in any case", () => {
    for (const tag of ["pt", "pt-BR", "pt-br", "PT-BR", "pt-PT", "pt-AO", "pt_BR", " pt-BR ", "pt-Latn-BR"]) expect(normalizeLocale(tag), tag).toBe("pt-BR");
    for (const tag of ["en", "EN", "en-US", "en-GB", "en-gb", "en-Latn-US"]) expect(normalizeLocale(tag), tag).toBe("en");
  });

  it("refuses unsupported, malformed and empty tags", () => {
    for (const tag of ["fr", "es-BR", "de-DE", "ptBR", "p", "português", "en-", "-en", "*", "", "  ", "constructor", "__proto__", "en-US;q=1"]) {
      expect(normalizeLocale(tag), tag).toBeNull();
    }
    expect(normalizeLocale(null)).toBeNull();
    expect(normalizeLocale(undefined)).toBeNull();
  });
});

describe("isLocale", () => {
  it("accepts exactly the supported tags as spelled in LOCALES", () => {
    expect(LOCALES).toEqual(["en", "pt-BR"]);
    for (const locale of LOCALES) expect(isLocale(locale)).toBe(true);
    for (const value of ["pt", "pt-br", "EN", "en-US", "", null, undefined, 1]) expect(isLocale(value), String(value)).toBe(false);
  });
});

describe("resolveLocale", () => {
  it("prefers the requested tag when it is supported", () => {
    expect(resolveLocale({ requested: "pt", acceptLanguage: "en-US,en;q=0.9", fallback: "en" })).toBe("pt-BR");
    expect(resolveLocale({ requested: "EN-gb", acceptLanguage: "pt-BR", fallback: "pt-BR" })).toBe("en");
  });

  it("ignores an unsupported requested tag and goes on to Accept-Language, then the fallback", () => {
    expect(resolveLocale({ requested: "fr", acceptLanguage: "pt-BR,pt;q=0.9", fallback: "en" })).toBe("pt-BR");
    expect(resolveLocale({ requested: "fr", acceptLanguage: "fr-FR,de;q=0.5", fallback: "pt-BR" })).toBe("pt-BR");
    expect(resolveLocale({ requested: null, acceptLanguage: null, fallback: "pt-BR" })).toBe("pt-BR");
    expect(resolveLocale({ fallback: "en" })).toBe("en");
  });

  it("picks the highest q-value we speak, not the first entry", () => {
    expect(resolveLocale({ acceptLanguage: "en;q=0.5, pt-BR;q=0.9", fallback: "en" })).toBe("pt-BR");
    expect(resolveLocale({ acceptLanguage: "fr-FR, fr;q=0.9, en-US;q=0.8, pt;q=0.7", fallback: "pt-BR" })).toBe("en");
    expect(resolveLocale({ acceptLanguage: "pt-PT;q=0.3,en-GB;q=0.2", fallback: "en" })).toBe("pt-BR");
  });

  it("breaks a tie by header order, with no q meaning 1", () => {
    expect(resolveLocale({ acceptLanguage: "pt-BR, en", fallback: "en" })).toBe("pt-BR");
    expect(resolveLocale({ acceptLanguage: "en;q=0.8, pt;q=0.8", fallback: "pt-BR" })).toBe("en");
    expect(resolveLocale({ acceptLanguage: "en;q=1.0, pt", fallback: "pt-BR" })).toBe("en");
  });

  it("never picks a language marked q=0", () => {
    expect(resolveLocale({ acceptLanguage: "pt-BR;q=0, en;q=0.1", fallback: "pt-BR" })).toBe("en");
    expect(resolveLocale({ acceptLanguage: "en;q=0", fallback: "pt-BR" })).toBe("pt-BR");
    // pt=0 rules out every Portuguese, so pt-PT cannot bring pt-BR back.
    expect(resolveLocale({ acceptLanguage: "pt-PT, pt;q=0, en;q=0.5", fallback: "pt-BR" })).toBe("en");
    // pt-PT=0 refuses only European Portuguese; pt-BR stays acceptable.
    expect(resolveLocale({ acceptLanguage: "pt-PT;q=0, pt-BR;q=0.5, en;q=0.4", fallback: "en" })).toBe("pt-BR");
    expect(resolveLocale({ acceptLanguage: "en;q=0.000, pt-BR;q=0.001", fallback: "en" })).toBe("pt-BR");
    // Refusing the only Portuguese a browser names never selects Portuguese.
    expect(resolveLocale({ acceptLanguage: "pt-PT;q=0", fallback: "en" })).toBe("en");
  });

  it("reads * as any language: the fallback unless refused", () => {
    expect(resolveLocale({ acceptLanguage: "fr, *;q=0.5", fallback: "pt-BR" })).toBe("pt-BR");
    expect(resolveLocale({ acceptLanguage: "pt-BR;q=0, *", fallback: "pt-BR" })).toBe("en");
    expect(resolveLocale({ acceptLanguage: "*;q=0.1, pt;q=0.2", fallback: "en" })).toBe("pt-BR");
  });

  it("skips malformed entries and weights instead of guessing", () => {
    expect(resolveLocale({ acceptLanguage: "pt;q=abc, en;q=0.1", fallback: "pt-BR" })).toBe("en");
    expect(resolveLocale({ acceptLanguage: "pt;q=2, en;q=0.1", fallback: "pt-BR" })).toBe("en");
    expect(resolveLocale({ acceptLanguage: "pt;q=0.5555, en;q=0.1", fallback: "pt-BR" })).toBe("en");
    expect(resolveLocale({ acceptLanguage: ",,;q=1, ;, pt-BR", fallback: "en" })).toBe("pt-BR");
    expect(resolveLocale({ acceptLanguage: "   ", fallback: "pt-BR" })).toBe("pt-BR");
    expect(resolveLocale({ acceptLanguage: "PT-br ; Q=0.9 , en;q=0.2", fallback: "en" })).toBe("pt-BR");
  });
});
