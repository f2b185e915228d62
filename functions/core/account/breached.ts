/**
 * Is a password in a known breach? NIST SP 800-63B-4 asks verifiers to refuse
 * passwords from breach corpuses; this asks the Have I Been Pwned range API
 * with k-anonymity: only the first 5 hex characters of the password's SHA-1
 * leave the service, and the answer (every known suffix under that prefix,
 * padded with fake count-0 suffixes so its size says nothing) is searched here.
 *
 * The password is hashed as given, not normalised: the corpus holds passwords
 * as they were leaked. The caller owns the policy: it turns the check off when
 * HIBP_API_URL is `off` (never calling this), and treats `unavailable` as
 * "let the password through and log a warning", so registration never depends
 * on a third party's uptime.
 */

export const DEFAULT_HIBP_API_URL = "https://api.pwnedpasswords.com";
/** A sign-up waits no longer than this for the API; the range answers are served from a CDN cache, normally far faster. */
export const DEFAULT_BREACH_TIMEOUT_MS = 1_000;
/** HIBP asks every client to name itself. */
const USER_AGENT = "innovation-ia-auth (breached-password check)";

export interface BreachCheckOptions {
  /** Base URL, no trailing `/range` (e.g. DEFAULT_HIBP_API_URL, or a fake in tests). */
  apiUrl: string;
  /** Seen at least this often counts as breached; below 1 is read as 1, since padding entries have count 0. */
  minCount: number;
  timeoutMs?: number;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export type BreachResult = { breached: boolean; count: number } | { unavailable: true; reason: string };

const HEX = "0123456789ABCDEF";

async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  let hex = "";
  for (const byte of digest) hex += HEX[byte >> 4]! + HEX[byte & 15]!;
  return hex;
}

/** `SUFFIX:COUNT`: 35 hex characters (the SHA-1 after the 5 sent), then a decimal count. */
const LINE = /^([0-9A-Fa-f]{35}):(\d+)$/;

/**
 * How often the password appears in the range API's corpus, and whether that
 * reaches `minCount`; `unavailable` on a network error, a non-200 answer, an
 * answer that is not in the range format, or no answer within `timeoutMs`.
 */
export async function isBreached(password: string, options: BreachCheckOptions): Promise<BreachResult> {
  const hash = await sha1Hex(password);
  const prefix = hash.slice(0, 5);
  const suffix = hash.slice(5);
  const timeoutMs = options.timeoutMs ?? DEFAULT_BREACH_TIMEOUT_MS;
  // Called as a plain function: workerd throws "Illegal invocation" when its fetch is called as a method of `options`.
  const doFetch = options.fetch ?? fetch;
  let body: string;
  try {
    // The signal also bounds reading the body, not only the headers.
    const response = await doFetch(`${options.apiUrl.replace(/\/+$/, "")}/range/${prefix}`, {
      headers: { "add-padding": "true", "user-agent": USER_AGENT },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { unavailable: true, reason: `HIBP answered HTTP ${response.status}` };
    }
    body = await response.text();
  } catch (error) {
    const name = error instanceof Error ? error.name : "error";
    const timedOut = name === "TimeoutError" || name === "AbortError";
    return { unavailable: true, reason: timedOut ? `HIBP gave no answer within ${timeoutMs} ms` : `HIBP unreachable: ${name}` };
  }

  let count = 0;
  let entries = 0;
  for (const line of body.split(/\r?\n/)) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    entries += 1;
    if (match[1]!.toUpperCase() === suffix) count = Number(match[2]);
  }
  // Every real prefix has hundreds of entries; an answer with none is a portal or an error page, not "safe".
  if (entries === 0) return { unavailable: true, reason: "HIBP answer is not in the range format" };
  return { breached: count >= Math.max(1, options.minCount), count };
}
