/**
 * Test fixture for the route tests: an app over the memory store with a tiny indicator
 * ("last_close") and category, and helpers to seed candles and signals.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import { type Config, ConfigSchema } from "../core/config.ts";
import { defineCategory } from "../core/category.ts";
import { defineIndicator } from "../core/indicator.ts";
import type { Interval } from "../core/interval.ts";
import type { Registry } from "../core/registry.ts";
import type { SignalRecord } from "../core/signal.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { z } from "zod";
import { createApp } from "./app.ts";
import type { ApiDeps } from "./deps.ts";

/** Token used by the fixture when mutations are enabled. */
export const TOKEN = "test-token-123";

/** An indicator whose value is the last close: expected values are obvious from the candles. */
export const lastClose = defineIndicator({
  id: "last_close",
  category: "trend",
  description: "The last close; Up when it rose",
  params: z.object({ period: z.number().int().min(1).default(2) }),
  outputs: ["close"],
  states: ["Up", "Down", "Flat"],
  warmup: (p) => p.period,
  create: () => {
    let count = 0;
    let prev = NaN;
    let last = NaN;
    return {
      update(c: Candle) {
        prev = last;
        last = c.close;
        count++;
      },
      get count() {
        return count;
      },
      values: () => ({ close: count > 0 ? last : null }),
      get prev() {
        return prev;
      },
      get last() {
        return last;
      },
    };
  },
  evaluate: (s) => {
    const st = s as unknown as { prev: number; last: number };
    const state = st.last > st.prev ? "Up" : st.last < st.prev ? "Down" : "Flat";
    return { score: state === "Up" ? 1 : state === "Down" ? -1 : 0, state, reason: state };
  },
});

/** A registry with the fixture plugins and the memory store. */
export function fixtureRegistry(): Registry {
  const trend = defineCategory({ id: "trend", description: "Trend", clamp: [-3, 3], weight: 1 });
  return {
    indicators: new Map([["last_close", lastClose]]),
    categories: new Map([["trend", trend]]),
    stores: new Map([["memory", {
      kind: "store" as const,
      id: "memory",
      description: "memory",
      create: () => new MemoryStore(),
    }]]),
    providers: new Map(),
    sources: new Map(),
  };
}

/** A configuration for the tests. */
export function fixtureConfig(over: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({
    symbols: ["BTC", "ETH"],
    intervals: ["1m", "1h"],
    store: "memory",
    http: { cors_origins: ["https://app.example"], max_body_bytes: 2048, max_limit: 1000 },
    ...over,
  });
}

/** A valid candle at minute `i` of 2025-07-25. */
export function candle(i: number, close = 100 + i): Candle {
  return {
    time: Date.UTC(2025, 6, 25) + i * 60_000,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 10,
  };
}

/** A signal record for `candle(i)`. */
export function signal(symbol: string, interval: Interval, i: number): SignalRecord {
  return {
    symbol,
    interval,
    time: candle(i).time,
    price: candle(i).close,
    direction: "Long",
    bias: "Bullish",
    score: 3,
    categories: [],
    confidence: 0.5,
    risk: "Low",
    sl_pct: 1,
    tp_pct: 2,
    sl_price: 99,
    tp_price: 102,
    reasons: [{ text: "test", weight: 1 }],
    strategy: "default",
    engine_version: "test",
  };
}

/** Builds the app over a fresh memory store. */
export function fixtureApp(over: Record<string, unknown> = {}, extra: Partial<ApiDeps> = {}) {
  const config = fixtureConfig(over);
  const store = new MemoryStore();
  const deps: ApiDeps = {
    config,
    registry: fixtureRegistry(),
    store,
    version: "0.0.0-test",
    startedAt: Date.now() - 5000,
    checks: { store: async () => ({ ...(await store.health()), required: true }) },
    roles: ["api"],
    ...extra,
  };
  const app = createApp(deps);
  const req = (path: string, init?: RequestInit) => app.request(path, init);
  return { app, store, config, deps, req };
}

/** Reads a JSON body. */
export async function body<T = Record<string, unknown>>(r: Response): Promise<T> {
  return await r.json() as T;
}
