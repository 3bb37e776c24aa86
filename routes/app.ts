/**
 * The Hono application: middleware (request id, HTTP metrics, CORS, body limit, JSON errors) and
 * the route groups. `createApp` serves the full API; `createOpsApp` only /health and /metrics, for
 * ingest and worker processes (each process serves its own metrics).
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { candles } from "./candles.ts";
import type { ApiDeps, ApiEnv } from "./deps.ts";
import { docs } from "./docs.ts";
import { ApiError, errorResponse } from "./errors.ts";
import { health } from "./health.ts";
import { indicators } from "./indicators.ts";
import { type BeforeScrape, metricsRoute } from "./metrics.ts";
import { httpMetricsMiddleware } from "./middleware/http_metrics.ts";
import { requestId } from "./middleware/request_id.ts";
import { plugins } from "./plugins.ts";
import { signals } from "./signals.ts";
import { strategies } from "./strategies.ts";

/** Extra wiring of the app. */
export interface AppOptions {
  /** Refreshes read-on-demand gauges before a /metrics scrape. */
  beforeScrape?: BeforeScrape;
}

function base(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use("*", requestId(deps));
  app.use("*", httpMetricsMiddleware());
  app.notFound((c) => errorResponse(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      return errorResponse(c, err.status, err.code, err.message, err.field);
    }
    if (err instanceof HTTPException) {
      return errorResponse(c, err.status as 400, "http_error", err.message || "request refused");
    }
    // A store refusing its arguments means the request passed something the routes' own checks
    // missed: the caller's input, not a server fault (by name: the routes know no store plugin).
    if ((err as Error)?.name === "StoreInputError") {
      return errorResponse(c, 400, "bad_request", (err as Error).message);
    }
    console.error(JSON.stringify({
      level: "error",
      component: "perptrix.api",
      msg: "unhandled error",
      request_id: c.get("requestId"),
      error: `${(err as Error).name}: ${(err as Error).message}`,
    }));
    return errorResponse(c, 500, "internal", "internal error");
  });
  return app;
}

/** Builds the full HTTP API over the running service's dependencies. */
export function createApp(deps: ApiDeps, opts: AppOptions = {}): Hono<ApiEnv> {
  const app = base(deps);
  const origins = deps.config.http.cors_origins;
  app.use(
    "*",
    cors({
      origin: origins.includes("*") ? "*" : origins,
      allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
      allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
      exposeHeaders: ["X-Request-Id"],
      maxAge: 600,
    }),
  );
  app.use(
    "*",
    bodyLimit({
      maxSize: deps.config.http.max_body_bytes,
      onError: (c) =>
        errorResponse(
          c as never,
          413,
          "payload_too_large",
          `body exceeds ${deps.config.http.max_body_bytes} bytes`,
        ),
    }),
  );
  app.route("/health", health);
  app.route("/metrics", metricsRoute(opts.beforeScrape));
  app.route("/signals", signals);
  app.route("/candles", candles);
  app.route("/indicators", indicators);
  app.route("/plugins", plugins);
  app.route("/strategies", strategies);
  app.route("/docs", docs);
  return app;
}

/** Health and metrics only: what ingest and worker processes serve. */
export function createOpsApp(deps: ApiDeps, opts: AppOptions = {}): Hono<ApiEnv> {
  const app = base(deps);
  app.route("/health", health);
  app.route("/metrics", metricsRoute(opts.beforeScrape));
  return app;
}
