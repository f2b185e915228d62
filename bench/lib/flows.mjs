/**
 * The flow both sides run, step by step, as a client would:
 * password sign-in, the code from the fake SendGrid, its verification, and one
 * authenticated call. Each side keeps its own API shape:
 *
 * - ours: POST /auth/login (checks the password and sends the code) ->
 *   POST /auth/2fa/verify (access token) -> GET /auth/me (Bearer);
 * - peer (Better Auth): POST /api/auth/sign-in/email (two-factor redirect
 *   cookie) -> POST /api/auth/two-factor/send-otp -> POST
 *   /api/auth/two-factor/verify-otp (session cookie) -> GET /api/auth/get-session.
 *
 * Better Auth's client makes the send-otp call itself after the sign-in's
 * `twoFactorRedirect`, so that extra round trip is part of its flow.
 */

export const PASSWORD = "bench: correct horse battery staple";

class FlowError extends Error {}

function expect(response, status, step) {
  if (response.status !== status) {
    const body = typeof response.data === "string" ? response.data : JSON.stringify(response.data);
    throw new FlowError(`${step}: expected ${status}, got ${response.status} ${body.slice(0, 200)}`);
  }
  return response.data;
}

/**
 * Reads the newest code sent to `email` at or after `since` from the fake
 * provider's record (newest first, so a lookup costs a few entries, not the
 * whole run's mail). Polls briefly: both sides await the send before answering,
 * so the first look normally succeeds.
 * @param {{ to: string, text: string, at: number }[]} messages
 */
export async function codeFor(messages, email, since) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    for (let i = messages.length - 1, seen = 0; i >= 0 && seen < 4096; i--, seen++) {
      const m = messages[i];
      if (m.at < since - 5) break;
      if (m.to === email) {
        const code = m.text.match(/\b\d{6}\b/)?.[0];
        if (code) return code;
      }
    }
    if (Date.now() > deadline) throw new FlowError(`no code reached ${email}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Times one step (one request). `probe`, when given, is told when the step
 * starts and ends: the bench reads workerd's CPU there at concurrency 1.
 */
async function timed(times, step, fn, probe) {
  probe?.start(step);
  const started = performance.now();
  const result = await fn();
  times[step] = performance.now() - started;
  probe?.end(step);
  return result;
}

/** @typedef {{ request: Function, cookies: Map<string,string> }} Conn */

export const sides = {
  ours: {
    label: "Innovation.ia Auth",
    steps: ["login", "verify", "me"],
    /** @param {Conn} conn */
    async register(conn, email) {
      expect(await conn.request("POST", "/auth/register", { json: { email, password: PASSWORD } }), 201, "register");
    },
    /** @param {Conn} conn */
    async flow(conn, email, messages, _origin, probe) {
      const times = {};
      const since = Date.now();
      const challenge = await timed(times, "login", async () =>
        expect(await conn.request("POST", "/auth/login", { json: { email, password: PASSWORD, channel: "email" } }), 202, "login"),
        probe,
      );
      const code = await codeFor(messages, email, since);
      const token = await timed(times, "verify", async () =>
        expect(await conn.request("POST", "/auth/2fa/verify", { json: { challenge_id: challenge.challenge_id, code } }), 200, "verify"),
        probe,
      );
      const me = await timed(times, "me", async () =>
        expect(await conn.request("GET", "/auth/me", { headers: { authorization: `Bearer ${token.access_token}` } }), 200, "me"),
        probe,
      );
      if (me.user?.email !== email) throw new FlowError(`me: wrong user ${JSON.stringify(me).slice(0, 120)}`);
      return times;
    },
    /** Every request type once, in order, for a new account: what the round-trip table times. */
    requestTypes: ["register", "login", "verify", "me", "refresh", "health"],
    /** @param {Conn} conn */
    async eachRequest(conn, email, messages, _origin, probe) {
      const times = {};
      await timed(times, "register", async () => expect(await conn.request("POST", "/auth/register", { json: { email, password: PASSWORD } }), 201, "register"), probe);
      const since = Date.now();
      const challenge = await timed(times, "login", async () =>
        expect(await conn.request("POST", "/auth/login", { json: { email, password: PASSWORD, channel: "email" } }), 202, "login"),
        probe,
      );
      const code = await codeFor(messages, email, since);
      const pair = await timed(times, "verify", async () =>
        expect(await conn.request("POST", "/auth/2fa/verify", { json: { challenge_id: challenge.challenge_id, code } }), 200, "verify"),
        probe,
      );
      await timed(times, "me", async () => expect(await conn.request("GET", "/auth/me", { headers: { authorization: `Bearer ${pair.access_token}` } }), 200, "me"), probe);
      await timed(times, "refresh", async () =>
        expect(await conn.request("POST", "/auth/token/refresh", { json: { refresh_token: pair.refresh_token } }), 200, "refresh"),
        probe,
      );
      await timed(times, "health", async () => expect(await conn.request("GET", "/health"), 200, "health"), probe);
      return times;
    },
  },

  peer: {
    label: "Better Auth 1.7.25",
    steps: ["sign-in", "send-otp", "verify-otp", "get-session"],
    /** @param {Conn} conn */
    async register(conn, email, origin) {
      const response = await conn.request("POST", "/api/auth/sign-up/email", {
        json: { email, password: PASSWORD, name: "Bench User" },
        headers: { origin },
      });
      expect(response, 200, "sign-up");
      conn.cookies.clear();
    },
    /** @param {Conn} conn */
    async flow(conn, email, messages, origin, probe) {
      const times = {};
      conn.cookies.clear();
      const headers = { origin };
      const signIn = await timed(times, "sign-in", async () =>
        expect(await conn.request("POST", "/api/auth/sign-in/email", { json: { email, password: PASSWORD }, headers }), 200, "sign-in"),
        probe,
      );
      if (!signIn.twoFactorRedirect) throw new FlowError("sign-in: no two-factor redirect (is twoFactorEnabled set?)");
      const since = Date.now();
      await timed(times, "send-otp", async () =>
        expect(await conn.request("POST", "/api/auth/two-factor/send-otp", { json: {}, headers }), 200, "send-otp"),
        probe,
      );
      const code = await codeFor(messages, email, since);
      await timed(times, "verify-otp", async () =>
        expect(await conn.request("POST", "/api/auth/two-factor/verify-otp", { json: { code }, headers }), 200, "verify-otp"),
        probe,
      );
      const session = await timed(times, "get-session", async () =>
        expect(await conn.request("GET", "/api/auth/get-session"), 200, "get-session"),
        probe,
      );
      if (session?.user?.email !== email) throw new FlowError(`get-session: wrong user ${JSON.stringify(session).slice(0, 120)}`);
      return times;
    },
    requestTypes: ["sign-up", "sign-in", "send-otp", "verify-otp", "get-session"],
    /** @param {Conn} conn */
    async eachRequest(conn, email, messages, origin, probe) {
      const times = {};
      await timed(times, "sign-up", () => this.register(conn, email, origin), probe);
      return { ...times, ...(await this.flow(conn, email, messages, origin, probe)) };
    },
  },
};
