/**
 * GET /candles/:symbol?interval=&from=&to=&limit=&include_open=: closed candles in ascending
 * order; with `include_open=true` the still-open candle (when this deployment knows it) follows,
 * flagged `"is_open": true` (`open` is the open price).
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Config } from "../core/config.ts";
import type { ApiEnv } from "./deps.ts";
import {
  DEFAULT_LIMIT,
  intervalParam,
  knownSymbol,
  parseQuery,
  perConfig,
  TimeParam,
} from "./validation.ts";

/** The query of GET /candles/:symbol. */
export const candlesQuerySchema = perConfig((config: Config) =>
  z.object({
    interval: intervalParam(config).default(config.intervals[0]),
    from: TimeParam.optional(),
    to: TimeParam.optional(),
    limit: z.coerce.number().int().min(1).max(config.http.max_limit).default(DEFAULT_LIMIT),
    include_open: z.enum(["true", "false", "1", "0"]).default("false")
      .transform((s) => s === "true" || s === "1"),
  }).strict().refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: "from must not be after to",
    path: ["from"],
  })
);

/** The /candles routes. */
export const candles: Hono<ApiEnv> = new Hono<ApiEnv>().get("/:symbol", async (c) => {
  const { config, store, openCandle } = c.get("deps");
  const q = parseQuery(c, candlesQuerySchema(config));
  const symbol = await knownSymbol(config, store, c.req.param("symbol"), q.interval);
  const rows = await store.candles(symbol, q.interval, { from: q.from, to: q.to, limit: q.limit });
  let open: Record<string, unknown> | null = null;
  if (q.include_open) {
    const oc = openCandle ? await openCandle(symbol, q.interval).catch(() => undefined) : undefined;
    const last = rows.at(-1)?.time ?? -Infinity;
    // It must lie inside [from, to] and follow only rows that reach the newest stored candle: with
    // `from`, a full page may stop short of it (the next page continues there).
    const inRange = oc !== undefined && oc.time > last && oc.time >= (q.from ?? 0) &&
      oc.time <= (q.to ?? Infinity);
    const reachesNewest = q.from === undefined || rows.length < q.limit ||
      (inRange && (await store.latestCandles(symbol, q.interval, 1))[0]?.time === last);
    if (oc && inRange && reachesNewest) {
      open = { ...oc, is_open: true };
    }
  }
  return c.json({
    symbol,
    interval: q.interval,
    candles: open ? [...rows, open] : rows,
    open_included: open !== null,
  });
});
