/**
 * Access tokens: short-lived JWTs signed with jose. The algorithm is pinned,
 * and the `typ` header marks the kind (RFC 9068 `at+jwt`), so no other token
 * can be passed off as an access token.
 */
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { deriveKey } from "./crypto";

export const ACCESS_TOKEN_ALG = "HS256";
export const ACCESS_TOKEN_TYP = "at+jwt";
/** RFC 8176: a password, then a one-time code. */
export const AMR = ["pwd", "otp"] as const;

export interface TokenSettings {
  secretKey: Uint8Array;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface AccessClaims {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  amr: string[];
}

function signingKey(secretKey: Uint8Array): Promise<Uint8Array> {
  return deriveKey(secretKey, "jwt-access/v1");
}

/** Signs an access token for a user who passed both factors. */
export async function issueAccessToken(userId: string, settings: TokenSettings, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ amr: [...AMR] })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP })
    .setSubject(userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + settings.ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(await signingKey(settings.secretKey));
}

/** Verifies an access token; returns its claims, or null for anything not valid. */
export async function verifyAccessToken(token: string, settings: TokenSettings, now = Date.now()): Promise<AccessClaims | null> {
  try {
    const { payload } = await jwtVerify(token, await signingKey(settings.secretKey), {
      algorithms: [ACCESS_TOKEN_ALG],
      typ: ACCESS_TOKEN_TYP,
      issuer: settings.issuer,
      audience: settings.audience,
      requiredClaims: ["sub", "jti", "iat", "exp"],
      currentDate: new Date(now),
    });
    if (typeof payload.sub !== "string" || !Array.isArray(payload.amr)) return null;
    return payload as unknown as AccessClaims;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
    throw error;
  }
}
