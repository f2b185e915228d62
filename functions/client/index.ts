/**
 * A typed client for TypeScript apps: openapi-fetch over the types
 * openapi-typescript generates from this service's OpenAPI document
 * (./schema.d.ts). Every success body and every error body of every status is
 * typed, `error.code` narrowed to the codes that status can carry. Apps need
 * `openapi-fetch`; nothing here reaches the worker's bundle.
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, operations, paths } from "./schema";

export type { components, operations, paths };

/** The body of every error: `{"error": {"code", "message", ...}}`. */
export type ApiError = components["schemas"]["Error"];

export type AuthClient = Client<paths>;

type JsonBody<R> = R extends { content: { "application/json": infer B } } ? B : never;
type Statuses<Op extends keyof operations> = Exclude<keyof operations[Op]["responses"], 500>;

/**
 * The error codes an operation documents, e.g. `ErrorCode<"verify">`. The 500
 * is left out: its code may name a misconfigured variable (`missing_secret_key`),
 * so it is any string, and in openapi-fetch's `error` union it widens every code
 * to `string`; compare `error.error.code` against this type instead.
 */
export type ErrorCode<Op extends keyof operations> = {
  [S in Statuses<Op>]: JsonBody<operations[Op]["responses"][S]> extends { error: { code: infer C } } ? C : never;
}[Statuses<Op>];

/** A client for the service at `baseUrl`; `options` are openapi-fetch's (a custom `fetch`, default headers...). */
export function createAuthClient(baseUrl: string, options: Omit<ClientOptions, "baseUrl"> = {}): AuthClient {
  return createClient<paths>({ ...options, baseUrl });
}

/** The Authorization header for routes that take an access token. */
export function bearer(accessToken: string): { authorization: string } {
  return { authorization: `Bearer ${accessToken}` };
}
