/**
 * Calls the worker as a client would. `api` goes through the worker exactly as
 * configured; `apiWith` runs the same worker with some bindings changed (a dead
 * database, no providers, production mode).
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../functions/index";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  body?: unknown;
  /** Raw body text, sent as-is (with `contentType`). */
  raw?: BodyInit;
  contentType?: string | null;
  token?: string;
  headers?: Record<string, string>;
}

/** A random client address, so per-IP rate limits treat each call as its own client unless a test pins one. */
export function randomIp(): string {
  // IPv6, random in the /64 the limits count by: 45 random bits, so two tests
  // never share a bucket by chance (an IPv4 draw had only 24).
  const groups = Array.from(crypto.getRandomValues(new Uint16Array(3)), (n) => (0x1000 + (n % 0xf000)).toString(16));
  return `fd00:${groups.join(":")}::1`;
}

/** A random IPv4 address, counted as itself. Only the IPv4 tests draw from this space. */
export function randomIpv4(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

/** The rate-limit bucket of an address from randomIp(): its /64. */
export function ipBucket(ip: string): string {
  return ip.replace(/::1$/, "::/64");
}

function buildRequest(method: string, path: string, options: CallOptions): Request {
  const headers = new Headers(options.headers);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", randomIp());
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  const contentType = options.contentType === undefined ? (body !== undefined ? "application/json" : null) : options.contentType;
  if (contentType) headers.set("content-type", contentType);
  return new Request(`http://auth.test${path}`, { method, headers, body });
}

async function read(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as text: a test asserting JSON will fail on it.
  }
  return { status: response.status, headers: response.headers, body };
}

export async function api(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
  return read(await SELF.fetch(buildRequest(method, path, options)));
}

/** The same worker with `overrides` merged into its bindings. */
export async function apiWith(
  overrides: Partial<Record<keyof Env | string, string | undefined>>,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(buildRequest(method, path, options), { ...env, ...overrides } as Env, ctx);
  const result = await read(response);
  await waitOnExecutionContext(ctx);
  return result;
}
