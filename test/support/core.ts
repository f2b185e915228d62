/**
 * Builders for the core tests (test/core/): a `Deps` made by hand around the
 * in-memory store, one fixed clock for the store and the tokens, a
 * configuration read from plain bindings, a queue that keeps its jobs, a log
 * that keeps its lines, and fake providers.
 *
 * The core picks its senders from the configuration (SendGrid, Twilio), so the
 * fake providers stand where those senders' requests go: `fetch` is replaced
 * for the test (the core project restores it after each one) by a function
 * that records what SendGrid and Twilio would have received and answers as
 * they do. Nothing leaves the process.
 */
import { expect, vi } from "vitest";
import { memoryStore, memoryTables, type MemoryTables } from "../../db/memory/index";
import { profile, type ProfileView } from "../../functions/core/account/profile";
import { loadConfig, type Config } from "../../functions/core/config";
import { openJob, type CodeJob, type DeliveryJob } from "../../functions/core/delivery/job";
import type { Deps } from "../../functions/core/deps";
import { AuthError, type ErrorCode } from "../../functions/core/errors";
import { authenticate, callerOf } from "../../functions/core/session/session";
import type { AuthStore } from "../../functions/core/store";

/** An arbitrary fixed instant: every core test starts its clock here. */
export const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);

export const SENDGRID_URL = "https://sendgrid.fake";
export const TWILIO_URL = "https://twilio.fake";

/** The bindings a core test runs with: every provider configured, cheap hashing, the defaults otherwise. */
export const BINDINGS: Record<string, string> = {
  ENVIRONMENT: "test",
  DATABASE_URL: "postgres://unused.invalid/none",
  SECRET_KEY: "core-test-secret-key-0123456789abcdefghijklmnop",
  PASSWORD_PEPPER: "core-test-pepper-0123456789abcdefghijklmnopqrst",
  SENDGRID_API_KEY: "SG.core-test",
  EMAIL_FROM: "auth@innovation.test",
  SENDGRID_API_URL: SENDGRID_URL,
  TWILIO_ACCOUNT_SID: "ACcoretest",
  TWILIO_AUTH_TOKEN: "twilio-core-test",
  TWILIO_PHONE_NUMBER: "+15005550006",
  TWILIO_API_URL: TWILIO_URL,
  JWT_ISSUER: "https://auth.innovation.ia",
  JWT_AUDIENCE: "innovation.ia",
  PASSWORD_ITERATIONS: "1000",
};

export function coreConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({ ...BINDINGS, ...overrides });
}

export interface Sent {
  provider: "sendgrid" | "twilio";
  to: string;
  subject: string;
  text: string;
}

/**
 * Fake SendGrid and Twilio behind `fetch`. As the HTTP suite's fakes: an e-mail
 * starting with `fail` gets HTTP 500 from SendGrid, a number starting with
 * +1555000 gets HTTP 500 from Twilio; any other URL is unreachable.
 */
export function fakeProviders(): Sent[] {
  const sent: Sent[] = [];
  let ids = 0;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    if (url === `${SENDGRID_URL}/v3/mail/send`) {
      const mail = JSON.parse(String(init.body)) as { personalizations: { to: { email: string }[] }[]; subject: string; content: { value: string }[] };
      const to = mail.personalizations[0]!.to[0]!.email;
      if (to.startsWith("fail")) return new Response("{}", { status: 500 });
      sent.push({ provider: "sendgrid", to, subject: mail.subject, text: mail.content[0]!.value });
      return new Response(null, { status: 202, headers: { "x-message-id": `sg-${++ids}` } });
    }
    if (url.startsWith(`${TWILIO_URL}/2010-04-01/Accounts/`) && url.endsWith("/Messages.json")) {
      const form = new URLSearchParams(String(init.body));
      const to = form.get("To") ?? "";
      if (to.startsWith("+1555000")) return new Response("{}", { status: 500 });
      sent.push({ provider: "twilio", to, subject: "", text: form.get("Body") ?? "" });
      return Response.json({ sid: `SM${++ids}` }, { status: 201 });
    }
    throw new TypeError(`fetch failed: ${url} is not reachable from a core test`);
  });
  return sent;
}

/** The six-digit code in a message. */
export function codeIn(text: string): string {
  const code = text.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no code in ${JSON.stringify(text)}`);
  return code;
}

export interface LogLine {
  level: "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown>;
}

export interface CoreWorld {
  deps: Deps;
  store: AuthStore;
  tables: MemoryTables;
  config: Config;
  /** Moves the store's clock and the token clock forward. */
  advance(seconds: number): void;
  now(): number;
  /** What the fake providers were sent. */
  sent: Sent[];
  /** Jobs put on the queue (when the world has one). */
  jobs: DeliveryJob[];
  logs: LogLine[];
  /** The code jobs on the queue (not notices or failed-login records), in order. */
  codeJobs(): CodeJob[];
  /** The code sealed in the latest code job on the queue. */
  queuedCode(): Promise<string>;
}

/**
 * A core world: the memory store at NOW, fake providers, and, unless `queue` is
 * false, a queue that keeps its jobs (the production path; without one, codes
 * are sent on the request path).
 */
export function coreWorld(options: { bindings?: Record<string, string | undefined>; queue?: boolean; clientIp?: string } = {}): CoreWorld {
  let now = NOW;
  const clock = () => now;
  const tables = memoryTables();
  const store = memoryStore({ now: clock, tables });
  const config = coreConfig(options.bindings);
  const jobs: DeliveryJob[] = [];
  const logs: LogLine[] = [];
  const deps: Deps = {
    config,
    store,
    log: (level, msg, fields = {}) => void logs.push({ level, msg, fields }),
    clientIp: options.clientIp ?? "203.0.113.7",
    client: { ipPrefix: "203.0.113.0/24", userAgent: "core-test" },
    now: clock,
    ...(options.queue === false ? {} : { enqueue: async (job: DeliveryJob) => void jobs.push(job) }),
  };
  return {
    deps,
    store,
    tables,
    config,
    advance: (seconds) => void (now += seconds * 1000),
    now: clock,
    sent: fakeProviders(),
    jobs,
    logs,
    codeJobs: () => codeJobs(jobs),
    async queuedCode() {
      const job = codeJobs(jobs).at(-1);
      const code = job && (await openJob(config.secretKey, job));
      if (!code) throw new Error("no job on the queue");
      return code;
    },
  };
}

/** The jobs that carry a code: every kind but notices and failed-login records. */
export function codeJobs(jobs: DeliveryJob[]): CodeJob[] {
  return jobs.filter((job): job is CodeJob => !("kind" in job));
}

/** `GET /auth/me`: the account behind a bearer token (401 invalid_token for anything else). */
export async function me(deps: Deps, bearer: string | undefined): Promise<ProfileView> {
  return profile(deps, callerOf(await authenticate(deps, bearer)));
}

/** A time as the stores spell it in JSON (a UTC timestamptz). */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$|Z$/, "").concat("+00:00");
}

/** Awaits `promise` and checks it failed with the registered error `kind` (and `status`, default the registry's). */
export async function expectAuthError(promise: Promise<unknown>, kind: ErrorCode, status?: number): Promise<AuthError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected ${kind}, got ${JSON.stringify(value)}`);
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AuthError);
  const authError = error as AuthError;
  expect(authError.kind, authError.message).toBe(kind);
  if (status !== undefined) expect(authError.status).toBe(status);
  return authError;
}

/** Counts each store method's calls, to show how much work a flow did. */
export function countingStore(store: AuthStore): { store: AuthStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const counted = new Proxy(store, {
    get: (target, name: keyof AuthStore) =>
      (...args: unknown[]) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return (target[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      },
  });
  return { store: counted, calls };
}
