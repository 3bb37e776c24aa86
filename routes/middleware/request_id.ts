/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane, else a UUID), echoed in
 * the response header and in every error body, and puts the API dependencies on the context.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { ApiDeps, ApiEnv } from "../deps.ts";

const SANE_ID = /^[A-Za-z0-9._:\-]{1,128}$/;

/** The request-id middleware. */
export function requestId(deps: ApiDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const given = c.req.header("x-request-id");
    const id = given !== undefined && SANE_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    c.set("deps", deps);
    await next();
    c.res.headers.set("x-request-id", id);
  };
}
