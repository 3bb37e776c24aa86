/**
 * The Hono application: middleware (request id, errors as JSON) and the route modules.
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ApiDeps, ApiEnv } from "./deps.ts";
import { health } from "./health.ts";

/** Builds the HTTP app over the running service's dependencies. */
export function createApp(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use("*", async (c, next) => {
    const id = c.req.header("x-request-id")?.slice(0, 128) || crypto.randomUUID();
    c.set("requestId", id);
    c.set("deps", deps);
    await next();
    c.header("x-request-id", id);
  });
  app.route("/health", health);
  app.notFound((c) =>
    c.json({ error: "not_found", message: `no route ${c.req.method} ${c.req.path}` }, 404)
  );
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      return c.json({ error: "http_error", message: err.message }, err.status);
    }
    return c.json(
      { error: "internal", message: "internal error", request_id: c.get("requestId") },
      500,
    );
  });
  return app;
}
