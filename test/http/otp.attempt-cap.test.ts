// Property: each challenge allows 5 wrong codes; every wrong code is reported with
// the attempts left, and after the fifth even the right code is refused.
import { describe, expect, it } from "vitest";
import { api } from "../support/api";
import { expectError } from "../support/expect";
import { loginWithCode } from "../support/flows";

function wrongCode(code: string): string {
  return code === "000000" ? "111111" : "000000";
}

describe("attempt cap", () => {
  it("counts down attempts_remaining, then refuses the right code", async () => {
    const { challengeId, code } = await loginWithCode();
    for (let remaining = 4; remaining >= 0; remaining--) {
      const response = await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code: wrongCode(code) } });
      expectError(response, "invalid_code");
      expect(response.body.error.attempts_remaining).toBe(remaining);
    }
    expectError(await api("POST", "/auth/2fa/verify", { body: { challenge_id: challengeId, code } }), "challenge_expired");
  });
});
