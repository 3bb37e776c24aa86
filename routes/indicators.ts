/**
 * GET /indicators/:symbol?interval=: the current value and state of every enabled indicator,
 * computed from the newest stored candles with the same streaming code the engine runs. Results
 * are cached per series until a newer candle is stored.
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Candle } from "../core/candle.ts";
import type { Config } from "../core/config.ts";
import type { IndicatorValues } from "../core/indicator.ts";
import { type ConfiguredIndicator, configureIndicators, type Registry } from "../core/registry.ts";
import type { ApiEnv } from "./deps.ts";
import { intervalParam, knownSymbol, parseQuery, perConfig } from "./validation.ts";

/** The query of GET /indicators/:symbol. */
export const indicatorsQuerySchema = perConfig((config: Config) =>
  z.object({ interval: intervalParam(config).default(config.intervals[0]) }).strict()
);

/** One indicator's reading. */
export interface IndicatorReading {
  id: string;
  category: string;
  /** True once the indicator has seen its warm-up number of candles. */
  warm: boolean;
  values: IndicatorValues;
  state: string | null;
  score: number | null;
  reason: string | null;
  error?: string;
}

/** Runs every configured indicator over `candles` (ascending). A failing plugin is reported. */
export function readIndicators(
  configured: readonly ConfiguredIndicator[],
  candles: readonly Candle[],
): IndicatorReading[] {
  return configured.map(({ indicator, params }) => {
    try {
      const state = indicator.create(params);
      for (const c of candles) state.update(c);
      const s = indicator.evaluate(state, params);
      return {
        id: indicator.id,
        category: indicator.category,
        warm: state.count >= indicator.warmup(params),
        values: state.values(),
        state: s.state,
        score: s.score,
        reason: s.reason,
      };
    } catch (e) {
      return {
        id: indicator.id,
        category: indicator.category,
        warm: false,
        values: {},
        state: null,
        score: null,
        reason: null,
        error: (e as Error).message,
      };
    }
  });
}

interface Cached {
  last: number;
  count: number;
  body: unknown;
}

const MAX_CACHED = 2000;

/** The /indicators routes. */
export const indicators: Hono<ApiEnv> = (() => {
  const setups = new WeakMap<Registry, { list: ConfiguredIndicator[]; need: number }>();
  const cache = new Map<string, Cached>();
  return new Hono<ApiEnv>().get("/:symbol", async (c) => {
    const { config, store, registry } = c.get("deps");
    const q = parseQuery(c, indicatorsQuerySchema(config));
    const symbol = await knownSymbol(config, store, c.req.param("symbol"), q.interval);
    let setup = setups.get(registry);
    if (!setup) {
      const list = configureIndicators(registry, config.plugins).indicators;
      const warm = Math.max(0, ...list.map((x) => x.indicator.warmup(x.params)));
      setup = {
        list,
        need: Math.min(config.http.max_limit, Math.max(config.historical_candle_count, warm + 1)),
      };
      setups.set(registry, setup);
    }
    const rows = await store.latestCandles(symbol, q.interval, setup.need);
    const last = rows.at(-1)?.time ?? -1;
    const key = `${symbol}|${q.interval}`;
    const hit = cache.get(key);
    if (hit && hit.last === last && hit.count === rows.length) return c.json(hit.body);
    const body = {
      symbol,
      interval: q.interval,
      time: rows.length > 0 ? last : null,
      candles_used: rows.length,
      indicators: readIndicators(setup.list, rows),
    };
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, { last, count: rows.length, body });
    return c.json(body);
  });
})();
