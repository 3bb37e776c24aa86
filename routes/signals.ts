/**
 * GET /signals: the latest signal per symbol and interval.
 * GET /signals/:symbol?interval=&from=&to=&limit=: that series' history, newest first.
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { SignalRecord } from "../core/signal.ts";
import type { ApiEnv } from "./deps.ts";
import { knownSymbol, parseQuery, rangeQuerySchema } from "./validation.ts";

/** GET /signals takes no query: a filter it would ignore is refused instead. */
const NoQuery = z.object({}).strict();

/** The /signals routes. */
export const signals: Hono<ApiEnv> = new Hono<ApiEnv>()
  .get("/", async (c) => {
    parseQuery(c, NoQuery);
    const { store } = c.get("deps");
    const rows = await store.latestSignals();
    return c.body(`{"signals":[${rows.map(recordJson).join(",")}]}`, 200, {
      "content-type": "application/json",
    });
  })
  .get("/:symbol", async (c) => {
    const { config, store } = c.get("deps");
    const q = parseQuery(c, rangeQuerySchema(config));
    const symbol = await knownSymbol(config, store, c.req.param("symbol"), q.interval);
    const rows = await store.signals(symbol, q.interval, {
      from: q.from,
      to: q.to,
      limit: q.limit,
    });
    const body = `{"symbol":${JSON.stringify(symbol)},"interval":${
      JSON.stringify(q.interval)
    },"signals":[${rows.map(recordJson).join(",")}]}`;
    return c.body(body, 200, { "content-type": "application/json" });
  });

/** JSON of records that cannot change, computed once per record. */
const frozenJson = new WeakMap<SignalRecord, string>();

/**
 * A record's JSON. Stores that share their records between readers deep-freeze them (memory, the
 * kv store's window), so a frozen record's JSON is cached: serialising was most of the cost of a
 * history read. Other records are serialised per request.
 */
export function recordJson(r: SignalRecord): string {
  if (!Object.isFrozen(r)) return JSON.stringify(r);
  let s = frozenJson.get(r);
  if (s === undefined) frozenJson.set(r, s = JSON.stringify(r));
  return s;
}
