/**
 * Query and body parsing with zod, shared by the route groups: epoch-ms or ISO-8601 times, the
 * configured intervals, bounded limits, and symbol lookup (404 for unknown symbols).
 * @module
 */
import type { Context } from "hono";
import { z } from "zod";
import type { Config } from "../core/config.ts";
import type { Interval } from "../core/interval.ts";
import type { Store } from "../core/store.ts";
import type { ApiEnv } from "./deps.ts";
import { ApiError, validationError } from "./errors.ts";

/** Default `limit` of list routes. */
export const DEFAULT_LIMIT = 500;

/** An ISO-8601 date-time without a zone designator (`Z` or `±hh:mm`). */
const NO_ZONE = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * A time as epoch milliseconds or an ISO-8601 string, parsed to epoch ms. A date-time without a
 * zone is read as UTC (as a date alone is), never in the server's local zone.
 */
export const TimeParam = z.string().trim().min(1).transform((s, ctx) => {
  const ms = /^\d{1,16}$/.test(s)
    ? Number(s)
    : /^\d{4}-\d{2}-\d{2}/.test(s)
    ? Date.parse(NO_ZONE.test(s) ? `${s}Z` : s)
    : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) {
    ctx.addIssue({ code: "custom", message: `"${s}" is not epoch milliseconds or ISO-8601` });
    return z.NEVER;
  }
  return ms;
}).meta({ description: "Epoch milliseconds or ISO-8601", examples: ["1753401600000"] });

/** The `interval` parameter limited to the configured intervals. */
export function intervalParam(config: Config): z.ZodType<Interval> {
  return z.enum(config.intervals as [Interval, ...Interval[]], {
    error: `must be one of ${config.intervals.join(", ")}`,
  }) as unknown as z.ZodType<Interval>;
}

/**
 * Memoizes a schema builder per configuration object. Building a zod schema (and the parser zod
 * compiles for it on first use) costs far more than parsing with it, so routes build once.
 */
export function perConfig<T>(build: (config: Config) => T): (config: Config) => T {
  const built = new WeakMap<Config, T>();
  return (config) => {
    let s = built.get(config);
    if (s === undefined) built.set(config, s = build(config));
    return s;
  };
}

/** `interval`, `from`, `to`, `limit` of a range query (interval defaults to the first configured). */
export const rangeQuerySchema = perConfig((config: Config) =>
  z.object({
    interval: intervalParam(config).default(config.intervals[0]),
    from: TimeParam.optional(),
    to: TimeParam.optional(),
    limit: z.coerce.number().int().min(1).max(config.http.max_limit).default(DEFAULT_LIMIT),
  }).strict().refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: "from must not be after to",
    path: ["from"],
  })
);

/** Parses the query string with `schema`; 400 naming the field on failure. */
export function parseQuery<S extends z.ZodType>(c: Context<ApiEnv>, schema: S): z.output<S> {
  const r = schema.safeParse(c.req.query());
  if (!r.success) throw validationError("query", r.error);
  return r.data;
}

/** Reads and parses a JSON body with `schema`; 400 for bad JSON or a bad field. */
export async function parseBody<S extends z.ZodType>(
  c: Context<ApiEnv>,
  schema: S,
): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new ApiError(415, "unsupported_media_type", "body must be application/json");
  }
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new ApiError(400, "bad_request", "body is not valid JSON", "body");
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw validationError("body", r.error);
  return r.data;
}

/**
 * Resolves a path symbol: configured symbols are known; any other is known only when the store
 * holds candles for it. Throws 404 otherwise.
 */
export async function knownSymbol(
  config: Config,
  store: Store,
  symbol: string,
  interval: Interval,
): Promise<string> {
  if (config.symbols.includes(symbol)) return symbol;
  if (symbol.length <= 64 && /^[A-Za-z0-9:_\-]+$/.test(symbol)) {
    const stored = await store.latestCandles(symbol, interval, 1);
    if (stored.length > 0) return symbol;
  }
  throw new ApiError(404, "unknown_symbol", `unknown symbol "${symbol.slice(0, 64)}"`, "symbol");
}
