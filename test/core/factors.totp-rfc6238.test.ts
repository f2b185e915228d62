// Property: TOTP codes are exactly those of RFC 6238 / RFC 4226 and of every
// authenticator app (cross-checked against the independent `otpauth` package),
// secrets travel as RFC 4648 base32 in a Key URI apps can read, and a code is
// accepted only within the allowed window of 30 s steps, newest step first.
import * as OTPAuth from "otpauth";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../functions/core/crypto";
import {
  base32Decode, base32Encode, hotp, matchTotp, newTotpSecret, otpauthUri, timeStep, totpAt,
  TOTP_DIGITS, TOTP_PERIOD_SECONDS, TOTP_SECRET_BYTES,
} from "../../functions/core/factors/totp/rfc6238";

const RFC_SECRET = utf8("12345678901234567890");
const otpauthSecret = (bytes: Uint8Array) => new OTPAuth.Secret({ buffer: bytes.slice().buffer });
const randomInt = (max: number) => Math.floor(Math.random() * max);

describe("RFC test vectors", () => {
  it("matches every SHA-1 vector of RFC 6238 Appendix B, in 8 digits and as 6", async () => {
    const vectors: [number, number, string][] = [
      [59, 0x1, "94287082"], [1111111109, 0x23523ec, "07081804"], [1111111111, 0x23523ed, "14050471"],
      [1234567890, 0x273ef07, "89005924"], [2000000000, 0x3f940aa, "69279037"], [20000000000, 0x27bc86aa, "65353130"],
    ];
    for (const [time, step, code] of vectors) {
      expect(timeStep(time)).toBe(step);
      expect(await totpAt(RFC_SECRET, time, 8)).toBe(code);
      expect(await totpAt(RFC_SECRET, time)).toBe(code.slice(-6));
    }
  });

  it("matches the HOTP values of RFC 4226 Appendix D for counters 0..9", async () => {
    const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    for (const [counter, code] of expected.entries()) expect(await hotp(RFC_SECRET, counter)).toBe(code);
  });

  it("encodes counters past 32 bits, up to 2^53, as otpauth does", async () => {
    for (const counter of [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 40 + 12345, 2 ** 53 - 1, 2 ** 53]) {
      expect(await hotp(RFC_SECRET, counter)).toBe(OTPAuth.HOTP.generate({ secret: otpauthSecret(RFC_SECRET), counter }));
    }
  });

  it("refuses counters and lengths outside the RFC", async () => {
    for (const counter of [-1, 1.5, 2 ** 53 + 2, Number.NaN]) await expect(hotp(RFC_SECRET, counter)).rejects.toThrow(RangeError);
    for (const digits of [5, 9, 6.5]) await expect(hotp(RFC_SECRET, 0, digits)).rejects.toThrow(RangeError);
  });
});

describe("base32 secrets (RFC 4648)", () => {
  const vectors: [string, string][] = [
    ["", ""], ["f", "MY"], ["fo", "MZXQ"], ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"], ["fooba", "MZXW6YTB"], ["foobar", "MZXW6YTBOI"],
  ];

  it("gives the §10 test vectors without padding, and reads them padded or not", () => {
    const padded = ["", "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=", "MZXW6YTB", "MZXW6YTBOI======"];
    vectors.forEach(([text, encoded], i) => {
      expect(base32Encode(utf8(text))).toBe(encoded);
      expect(base32Decode(encoded)).toEqual(utf8(text));
      expect(base32Decode(padded[i]!)).toEqual(utf8(text));
    });
    // As typed by hand from an app's "enter key manually" screen.
    expect(base32Decode("mzxw 6ytb oi")).toEqual(utf8("foobar"));
  });

  it("returns null for text that no bytes encode to", () => {
    // "MZ" leaves non-zero bits after its byte; "MY" is the one spelling of "f".
    for (const bad of ["M", "MZX", "MZXW6Y", "MZ", "MZXW6YTB1", "MZXW8", "MY=A", "=MY", "MZ-XW"]) expect(base32Decode(bad)).toBeNull();
  });

  it("round-trips random bytes, agreeing with otpauth both ways", () => {
    for (let i = 0; i < 300; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(randomInt(65)));
      const encoded = base32Encode(bytes);
      expect(encoded).toMatch(/^[A-Z2-7]*$/);
      expect(base32Decode(encoded)).toEqual(bytes);
      expect(encoded).toBe(otpauthSecret(bytes).base32.replace(/=+$/, ""));
      if (bytes.length) expect(base32Decode(encoded)).toEqual(OTPAuth.Secret.fromBase32(encoded).bytes);
    }
  });
});

describe("what authenticator apps see", () => {
  it("makes 160-bit random secrets", () => {
    expect(TOTP_SECRET_BYTES).toBe(20);
    expect(newTotpSecret()).toHaveLength(20);
    expect(newTotpSecret()).not.toEqual(newTotpSecret());
  });

  it("computes the same code as otpauth for random secrets and times", async () => {
    for (let i = 0; i < 200; i++) {
      const secret = newTotpSecret();
      const time = randomInt(2 ** 33);
      expect(await totpAt(secret, time)).toBe(OTPAuth.TOTP.generate({ secret: otpauthSecret(secret), timestamp: time * 1000 }));
    }
  });

  it("writes a Key URI that otpauth parses back to the same account", () => {
    const secret = newTotpSecret();
    const uri = otpauthUri({ issuer: "Innovation.ia Auth", account: "ana+test:1@example.com", secret });
    expect(uri).toBe(
      `otpauth://totp/Innovation.ia%20Auth:ana%2Btest%3A1%40example.com?secret=${base32Encode(secret)}` +
        "&issuer=Innovation.ia%20Auth&algorithm=SHA1&digits=6&period=30",
    );
    const parsed = OTPAuth.URI.parse(uri);
    expect(parsed).toBeInstanceOf(OTPAuth.TOTP);
    expect(parsed.issuer).toBe("Innovation.ia Auth");
    expect(parsed.label).toBe("ana+test:1@example.com");
    expect(parsed.secret.bytes).toEqual(secret);
    expect(parsed.algorithm).toBe("SHA1");
    expect(parsed.digits).toBe(TOTP_DIGITS);
    expect((parsed as OTPAuth.TOTP).period).toBe(TOTP_PERIOD_SECONDS);
  });

  it("refuses an issuer that would make the label ambiguous", () => {
    const secret = newTotpSecret();
    expect(() => otpauthUri({ issuer: "Innovation:ia", account: "a@example.com", secret })).toThrow(RangeError);
    expect(() => otpauthUri({ issuer: "", account: "a@example.com", secret })).toThrow(RangeError);
  });
});

describe("accepting a code", () => {
  const now = 1_750_000_015; // a fixed clock, mid-step
  const codeAt = (secret: Uint8Array, time: number) =>
    OTPAuth.TOTP.generate({ secret: otpauthSecret(secret), timestamp: time * 1000 });

  it("accepts the app's code from one step either side, and no further", async () => {
    const secret = base32Decode("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")!;
    const step = timeStep(now);
    const codes = [-60, -30, 0, 30, 60].map((offset) => codeAt(secret, now + offset));
    // The five codes differ, so each assertion below can only pass for the right reason.
    expect(new Set(codes).size).toBe(5);
    const [before2, before1, current, after1, after2] = codes as [string, string, string, string, string];
    expect(await matchTotp(secret, current, now)).toBe(step);
    expect(await matchTotp(secret, before1, now)).toBe(step - 1);
    expect(await matchTotp(secret, after1, now)).toBe(step + 1);
    expect(await matchTotp(secret, before2, now)).toBeNull();
    expect(await matchTotp(secret, after2, now)).toBeNull();
    expect(await matchTotp(secret, before2, now, 2)).toBe(step - 2);
    expect(await matchTotp(secret, after2, now, 2)).toBe(step + 2);
    expect(await matchTotp(secret, before1, now, 0)).toBeNull();
    expect(await matchTotp(secret, current, now, 0)).toBe(step);
  });

  it("prefers the most recent step when two steps share a code", async () => {
    // Found offline: steps 56295193 and 56295195 of the RFC secret both give 769717; the step between does not.
    expect(await hotp(RFC_SECRET, 56295193)).toBe("769717");
    expect(await hotp(RFC_SECRET, 56295195)).toBe("769717");
    expect(await hotp(RFC_SECRET, 56295194)).not.toBe("769717");
    expect(await matchTotp(RFC_SECRET, "769717", 56295194 * 30 + 7)).toBe(56295195);
  });

  it("accepts exactly the six digits, nothing around or short of them", async () => {
    const secret = newTotpSecret();
    const code = await totpAt(secret, now);
    expect(await matchTotp(secret, code, now)).toBe(timeStep(now));
    for (const bad of [code.slice(1), code.slice(0, -1), `${code}0`, ` ${code}`, `${code}\n`, ""]) {
      expect(await matchTotp(secret, bad, now)).toBeNull();
    }
  });

  it("works at the start of Unix time, where the window reaches below step 0", async () => {
    expect(await matchTotp(RFC_SECRET, "755224", 10)).toBe(0);
    expect(await matchTotp(RFC_SECRET, "287082", 10)).toBe(1);
  });
});
