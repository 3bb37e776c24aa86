/**
 * API errors: every error response is JSON `{error, message, field?, request_id}`.
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { ApiEnv } from "./deps.ts";

/** An error with its HTTP status, a stable code and (for validation) the offending field. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The JSON error body. */
export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
  request_id?: string;
}

/** Sends an error as JSON with the request id. */
export function errorResponse(
  c: Context<ApiEnv>,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  field?: string,
): Response {
  const body: ErrorBody = { error: code, message };
  if (field !== undefined) body.field = field;
  const id = c.get("requestId");
  if (id) body.request_id = id;
  return c.json(body, status);
}

/** A 400 naming the first invalid field of a zod failure (`where` prefixes it, e.g. "query"). */
export function validationError(where: string, error: z.ZodError): ApiError {
  const issue = error.issues[0];
  let path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    path = [path, issue.keys[0]].filter((s) => s !== "").join(".");
  }
  const field = path === "" ? where : path;
  return new ApiError(400, "bad_request", `${where} ${field}: ${issue.message}`, field);
}
