/**
 * Access tokens: short-lived JWTs signed with jose. The algorithm is pinned
 * (HS256 with a subkey of SECRET_KEY, or EdDSA/ES256 with JWT_PRIVATE_KEY), and
 * the `typ` header marks the kind (RFC 9068 `at+jwt`), so no other token can be
 * passed off as an access token. Refresh tokens are opaque, never JWTs.
 */
import {
  SignJWT,
  calculateJwkThumbprint,
  errors as joseErrors,
  exportJWK,
  importPKCS8,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from "jose";
import { deriveKey } from "../crypto";
import { configInvalid } from "../errors";
import type { FactorType } from "../types";

export const ACCESS_TOKEN_TYP = "at+jwt";

/**
 * RFC 8176 authentication method references per second factor: a password,
 * then a one-time password (e-mail code, authenticator app, recovery code) or an
 * SMS code, and "mfa" for the two together. RFC 8176 has no value that tells an
 * e-mail code, a TOTP code and a recovery code apart, so tokens also carry
 * `factor`. Families opened before `factor` was recorded get the old ["pwd", "otp"].
 */
export const AMR: Record<FactorType, readonly string[]> = {
  email: ["pwd", "otp", "mfa"],
  sms: ["pwd", "sms", "mfa"],
  totp: ["pwd", "otp", "mfa"],
  recovery: ["pwd", "otp", "mfa"],
};
export const LEGACY_AMR = ["pwd", "otp"] as const;

/** What the token says about the sign-in behind it; a refreshed token keeps the original. */
export interface SignInFacts {
  /** Epoch seconds of the sign-in; null for a session older than the record (never "recent"). */
  authTime: number | null;
  factor: FactorType | null;
  /** The session's public id; null for a session older than the record. */
  sid: string | null;
}

export type AccessAlg = "HS256" | "EdDSA" | "ES256";

export interface TokenSettings {
  secretKey: Uint8Array;
  /** PKCS#8 PEM; when set, tokens are signed with it instead of the HS256 subkey. */
  privateKeyPem?: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** RFC 9068 §2.2 `client_id`: the client the token was issued to. */
  clientId: string;
}

export interface AccessClaims {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  client_id: string;
  amr: string[];
  auth_time?: number;
  factor?: FactorType;
  sid?: string;
}

interface SigningKeys {
  alg: AccessAlg;
  kid?: string;
  sign: Uint8Array | CryptoKey;
  verify: Uint8Array | CryptoKey;
  publicJwk?: JWK;
}

const ED25519_OID = [0x06, 0x03, 0x2b, 0x65, 0x70];
const EC_PUBLIC_KEY_OID = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

function contains(haystack: Uint8Array, needle: number[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The algorithm follows from the key's type (its PKCS#8 algorithm OID), never from a token. */
function algorithmOf(pem: string): "EdDSA" | "ES256" | null {
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(pem.replace(/-----(BEGIN|END) PRIVATE KEY-----|\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
  if (contains(der.subarray(0, 32), ED25519_OID)) return "EdDSA";
  if (contains(der.subarray(0, 48), EC_PUBLIC_KEY_OID)) return "ES256";
  return null;
}

async function importAsymmetric(pem: string): Promise<SigningKeys> {
  const invalid = () => configInvalid("JWT_PRIVATE_KEY", "must be a PKCS#8 PEM Ed25519 or P-256 private key");
  const alg = algorithmOf(pem);
  if (!alg) throw invalid();
  try {
    const privateKey = await importPKCS8(pem, alg, { extractable: true });
    const { d: _d, ...publicJwk } = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const verify = (await crypto.subtle.importKey(
      "jwk",
      publicJwk as JsonWebKey,
      alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" },
      true,
      ["verify"],
    )) as CryptoKey;
    return { alg, kid, sign: privateKey, verify, publicJwk: { ...publicJwk, alg, use: "sig", kid } };
  } catch {
    throw invalid();
  }
}

/** The keys for the configured algorithm. Made per request: nothing is cached in a global. */
export async function signingKeys(settings: Pick<TokenSettings, "secretKey" | "privateKeyPem">): Promise<SigningKeys> {
  if (settings.privateKeyPem) return importAsymmetric(settings.privateKeyPem);
  const key = await deriveKey(settings.secretKey, "jwt-access/v1");
  return { alg: "HS256", sign: key, verify: key };
}

/** The public JWKS, or null with HS256 (a shared secret is never published). */
export async function publicJwks(settings: Pick<TokenSettings, "secretKey" | "privateKeyPem">): Promise<{ keys: JWK[] } | null> {
  if (!settings.privateKeyPem) return null;
  const keys = await signingKeys(settings);
  return { keys: [keys.publicJwk!] };
}

/** Signs an access token for a user who passed both factors. */
export async function issueAccessToken(userId: string, settings: TokenSettings, facts: SignInFacts, now = Date.now()): Promise<string> {
  const keys = await signingKeys(settings);
  const iat = Math.floor(now / 1000);
  const claims = {
    client_id: settings.clientId,
    amr: [...(facts.factor ? AMR[facts.factor] : LEGACY_AMR)],
    ...(facts.authTime !== null ? { auth_time: facts.authTime } : {}),
    ...(facts.factor ? { factor: facts.factor } : {}),
    ...(facts.sid ? { sid: facts.sid } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: keys.alg, typ: ACCESS_TOKEN_TYP, ...(keys.kid ? { kid: keys.kid } : {}) })
    .setSubject(userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + settings.ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(keys.sign);
}

/** Verifies an access token; returns its claims, or null for anything not valid. */
export async function verifyAccessToken(token: string, settings: TokenSettings, now = Date.now()): Promise<AccessClaims | null> {
  const keys = await signingKeys(settings);
  try {
    const { payload } = await jwtVerify(token, keys.verify, {
      algorithms: [keys.alg],
      typ: ACCESS_TOKEN_TYP,
      issuer: settings.issuer,
      audience: settings.audience,
      requiredClaims: ["sub", "jti", "iat", "exp"],
      currentDate: new Date(now),
    });
    if (typeof payload.sub !== "string" || !Array.isArray(payload.amr)) return null;
    if (payload.auth_time !== undefined && typeof payload.auth_time !== "number") return null;
    if (payload.sid !== undefined && typeof payload.sid !== "string") return null;
    return payload as unknown as AccessClaims;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
    throw error;
  }
}
