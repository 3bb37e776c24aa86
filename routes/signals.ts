/**
 * GET /signals: the latest signal per symbol and interval.
 * GET /signals/:symbol?interval=&from=&to=&limit=: that series' history, newest first.
 * @module
 */
import { Hono } from "hono";
import type { ApiEnv } from "./deps.ts";
import { knownSymbol, parseQuery, rangeQuerySchema } from "./validation.ts";

/** The /signals routes. */
export const signals: Hono<ApiEnv> = new Hono<ApiEnv>()
  .get("/", async (c) => {
    const { store } = c.get("deps");
    const rows = await store.latestSignals();
    return c.json({ signals: rows });
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
    return c.json({ symbol, interval: q.interval, signals: rows });
  });
