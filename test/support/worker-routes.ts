/**
 * The routes the worker really serves, read from its Hono app (`METHOD /path`,
 * path parameters in OpenAPI's `{id}` form), for the documentation test. The
 * worker module is imported in Node, where nothing of it runs.
 */
export async function routesOf(): Promise<string[]> {
  const { app } = await import("../../functions/app");
  return [
    ...new Set(
      app.routes
        .filter((r) => r.method !== "ALL" && r.path !== "/*")
        .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`),
    ),
  ].sort();
}
