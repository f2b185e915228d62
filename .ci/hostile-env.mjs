#!/usr/bin/env node
/**
 * Writes a .env and a .dev.vars full of values that would break the tests if
 * they leaked into the test bindings (another signing key, issuer, limits of 1,
 * production mode, a database that does not exist), so `.ci/run` proves the
 * suite is hermetic on every run. `remove` deletes them again. Files that
 * already exist are never touched: they belong to a developer.
 *
 *   node .ci/hostile-env.mjs write | remove
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const MARK = "# written by .ci/hostile-env.mjs";
const files = [".env", ".dev.vars"];
const pem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();

const hostile = {
  ENVIRONMENT: "production",
  DATABASE_URL: "postgres://nobody@127.0.0.1:9/nothing",
  SECRET_KEY: randomBytes(48).toString("base64"),
  PASSWORD_PEPPER: randomBytes(48).toString("base64"),
  JWT_PRIVATE_KEY: pem.replace(/\n/g, "\\n"),
  JWT_ISSUER: "https://somewhere-else.example",
  JWT_AUDIENCE: "someone-else",
  OTP_RESEND_SECONDS: "5",
  OTP_MAX_ATTEMPTS: "2",
  OTP_TTL_SECONDS: "60",
  PASSWORD_ITERATIONS: "100000",
  RATE_LIMIT_LOGIN_IP: "1/60",
  RATE_LIMIT_LOGIN_ACCOUNT: "1/60",
  RATE_LIMIT_REGISTER_IP: "1/3600",
  RATE_LIMIT_CODES_ACCOUNT: "1/1800",
  HEALTH_DB_TIMEOUT_MS: "100",
  SENDGRID_API_URL: "http://127.0.0.1:9",
  SENTRY_DSN: "http://key@127.0.0.1:9/1",
};

const command = process.argv[2];
for (const file of files) {
  if (command === "write") {
    if (existsSync(file)) {
      console.log(`${file} exists; left as it is`);
      continue;
    }
    writeFileSync(file, `${MARK}\n${Object.entries(hostile).map(([k, v]) => `${k}="${v}"`).join("\n")}\n`);
    console.log(`wrote a hostile ${file}`);
  } else if (command === "remove") {
    if (existsSync(file) && readFileSync(file, "utf8").startsWith(MARK)) rmSync(file);
  } else {
    console.error("usage: node .ci/hostile-env.mjs write | remove");
    process.exit(2);
  }
}
