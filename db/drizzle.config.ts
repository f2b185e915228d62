import { defineConfig } from "drizzle-kit";

// drizzle-kit runs in Node with the `pg` driver; the worker uses @neondatabase/serverless.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./drizzle",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" },
  strict: true,
  verbose: false,
});
