// Property: the HTTP tests see only the bindings the test configuration pins, never
// what a developer keeps in .env or .dev.vars. Every variable .env.example
// documents is given a value (an empty string where the service's default
// applies), and a pinned value wins over a file's. `.ci/run` also runs the whole
// suite with a hostile .env and .dev.vars in place.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { documentedVariables, testBindings } from "../support/bindings";

const envExample = fileURLToPath(new URL("../../.env.example", import.meta.url));
const plan = { serverUrl: null, databaseName: "x", databaseUrl: "postgres://x", embeddedPort: 1, sqlHttpPort: 2, fakePort: 3, hungPort: 4, chaosPort: 5 };

describe("test bindings", () => {
  it("pin every variable .env.example documents", () => {
    const documented = documentedVariables(envExample);
    expect(documented.length).toBeGreaterThan(30);
    const bindings = testBindings(plan, documented);
    for (const name of documented) expect(bindings, name).toHaveProperty(name);
  });

  it("leave undocumented-by-test variables explicitly unset rather than absent", () => {
    const bindings = testBindings(plan, ["OTP_RESEND_SECONDS", "JWT_PRIVATE_KEY", "RATE_LIMIT_LOGIN_IP"]);
    expect(bindings).toMatchObject({ OTP_RESEND_SECONDS: "", JWT_PRIVATE_KEY: "", RATE_LIMIT_LOGIN_IP: "" });
  });

  it("use cheap hashing and the production issuer and audience", () => {
    const bindings = testBindings(plan, documentedVariables(envExample));
    expect(bindings).toMatchObject({ PASSWORD_ITERATIONS: "1000", JWT_ISSUER: "https://auth.innovation.ia", JWT_AUDIENCE: "innovation.ia", ENVIRONMENT: "test" });
  });
});
