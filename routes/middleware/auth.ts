/**
 * Bearer-token guard for mutations: `Authorization: Bearer $API_TOKEN`. With no token configured
 * mutations are disabled (403), so an unconfigured deployment is read-only rather than open.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "../deps.ts";
import { errorResponse } from "../errors.ts";

const enc = new TextEncoder();

/** Compares in time independent of where the strings first differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = enc.encode(a);
  const y = enc.encode(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

/** Rejects the request unless it carries the configured token. */
export function requireToken(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const token = c.get("deps").config.api_token;
    if (token === "") {
      return errorResponse(
        c,
        403,
        "mutations_disabled",
        "mutations are disabled: no API_TOKEN is configured",
      );
    }
    const h = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(h);
    if (!m || !constantTimeEqual(m[1].trim(), token)) {
      c.header("WWW-Authenticate", 'Bearer realm="perptrix"');
      return errorResponse(
        c,
        401,
        "unauthorized",
        "a valid Authorization: Bearer token is required",
      );
    }
    await next();
  };
}
