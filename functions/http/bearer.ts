/**
 * Routes that take `Authorization: Bearer <access token>`. On them 401 means
 * only that the token is missing, invalid, expired or revoked; a wrong code or
 * password is a 400, so a client never mistakes a typo for a dead session.
 */
import type { MiddlewareHandler } from "hono";
import { authenticate, callerOf } from "../core/session/session";
import type { Caller } from "../core/types";
import type { AppEnv } from "./app";

/** The token in an `Authorization: Bearer` header, if it has the shape of one. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i)?.[1];
}

/**
 * Checks the access token (after the flow's dependencies are set) and puts the
 * caller (account and session) on the context. `recent` also requires a recent
 * sign-in (auth_time). Whether the session is still live is checked by the
 * statement each route makes anyway.
 */
export function signedIn(options: { recent?: boolean } = {}): MiddlewareHandler<AppEnv & { Variables: { caller: Caller } }> {
  return async (c, next) => {
    const claims = await authenticate(c.get("deps"), bearerToken(c.req.header("authorization")), options);
    c.set("caller", callerOf(claims));
    await next();
  };
}
