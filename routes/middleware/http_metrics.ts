/**
 * HTTP request count and latency by route pattern (never by raw path, so label cardinality stays
 * bounded by the route table).
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { counter, histogram } from "../../core/metrics.ts";
import type { ApiEnv } from "../deps.ts";

/** HTTP metrics. */
export const httpMetrics = {
  requests: counter("perptrix_http_requests_total", "HTTP requests", ["method", "route", "status"]),
  duration: histogram(
    "perptrix_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ),
};

/** Methods labelled by name; any other (a client can send any token) is labelled `other`. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Records every request; 404s are labelled `unmatched`. */
export function httpMetricsMiddleware(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      let route = routePath(c, -1);
      if (route === "*" || route === "/*" || c.res.status === 404 && route.endsWith("*")) {
        route = "unmatched";
      }
      const method = METHODS.has(c.req.method) ? c.req.method : "other";
      httpMetrics.requests.inc({ method, route, status: String(c.res.status) });
      httpMetrics.duration.observe({ method, route }, (performance.now() - t0) / 1000);
    }
  };
}
