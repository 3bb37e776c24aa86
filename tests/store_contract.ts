/**
 * The one contract every store passes: the same tests, run by `stores_contract_test.ts` on each
 * store (and on each store behind the Redis cache). Reads are checked after `flush()`, the point
 * from which the contract promises a buffered store's writes are visible.
 * @module
 */
import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import type { SignalRecord } from "../core/signal.ts";
import type { Store } from "../core/store.ts";
import type { Logger } from "../core/log.ts";
import { loadCandles } from "./data.ts";

/** A store under test plus how to reopen it on the same backing data, when it persists. */
export interface StoreUnderTest {
  store: Store;
  /** Opens a second instance over the same data (after `store.stop()`), or undefined. */
  reopen?: () => Promise<Store>;
  /** Releases everything the factory created (temp dirs, servers, Redis keys). */
  cleanup(): Promise<void>;
}

/** Creates a fresh, empty, started store for one test. */
export type StoreFactory = () => Promise<StoreUnderTest>;

/** A logger that records instead of printing, so tests can assert on what was logged. */
export function recordingLogger(lines: string[] = []): Logger & { lines: string[] } {
  const rec = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${msg} ${fields ? JSON.stringify(fields) : ""}`);
  };
  const l: Logger & { lines: string[] } = {
    lines,
    debug: () => {},
    info: rec("info"),
    warn: rec("warn"),
    error: rec("error"),
    child: () => l,
  };
  return l;
}

/** Hyperliquid BTC 1m candles (6,808 consecutive bars), real data from the shared folder. */
export const REAL_1M = "hyperliquid-btc-perp-1m-2025-07-21_2025-07-26.csv";

const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;

/** A valid synthetic candle at `T0 + i` minutes. */
export function candle(i: number, close = 100 + i): Candle {
  return {
    time: T0 + i * MIN,
    open: close,
    high: close + 2,
    low: close - 2,
    close,
    volume: 10 + i,
  };
}

/** A valid signal record. */
export function signal(over: Partial<SignalRecord> = {}): SignalRecord {
  return {
    symbol: "BTC",
    interval: "1m",
    time: T0,
    price: 100,
    direction: "Long",
    bias: "Bullish",
    score: 3,
    categories: [{
      id: "trend",
      score: 2,
      raw: 2.5,
      clamp: [-3, 3],
      weight: 1,
      contributions: [{ id: "ema", state: "up", score: 2, reason: "EMA 9 above EMA 21" }],
    }],
    confidence: 0.62,
    risk: "Medium",
    sl_pct: 1.5,
    tp_pct: 3,
    sl_price: 98.5,
    tp_price: 103,
    reasons: [{ text: "EMA 9 above EMA 21", weight: 1 }],
    strategy: "default",
    engine_version: "0.1.0",
    ...over,
  };
}

async function withStore(factory: StoreFactory, fn: (t: StoreUnderTest) => Promise<void>) {
  const t = await factory();
  try {
    await fn(t);
  } finally {
    await t.store.stop().catch(() => {});
    await t.cleanup();
  }
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof Error, "rejects with an Error");
    assert.match((e as Error).message, pattern);
    return true;
  });
}

/** Registers the contract tests for one store under `name`. */
export function storeContract(
  name: string,
  factory: StoreFactory,
  opts: { sanitize?: boolean } = {},
): void {
  const sanitize = opts.sanitize ?? true;
  const test = (title: string, fn: (t: StoreUnderTest) => Promise<void>) =>
    Deno.test({
      name: `store contract [${name}]: ${title}`,
      sanitizeOps: sanitize,
      sanitizeResources: sanitize,
      fn: () => withStore(factory, fn),
    });

  test("candles round-trip ascending, optional fields kept or absent", async ({ store }) => {
    const a: Candle = { ...candle(0), trades: 17, fundingRate: 0.0000125, openInterest: 1234.5 };
    const b = candle(1);
    const c: Candle = { ...candle(2), fundingRate: -0.0001 };
    await store.upsertCandles("BTC", "1m", [c, a, b]);
    await store.flush();
    const got = await store.candles("BTC", "1m");
    assert.deepEqual(got, [a, b, c]);
    assert.equal("trades" in got[1], false, "an absent field comes back absent, not 0");
  });

  test("upserts are idempotent and the later value wins", async ({ store }) => {
    const rows = [candle(0), candle(1), candle(2)];
    await store.upsertCandles("BTC", "1m", rows);
    await store.upsertCandles("BTC", "1m", rows);
    await store.upsertCandles("BTC", "1m", [candle(1, 150)]);
    await store.flush();
    assert.deepEqual(await store.candles("BTC", "1m"), [candle(0), candle(1, 150), candle(2)]);
  });

  test("duplicate times inside one batch: the later one wins", async ({ store }) => {
    await store.upsertCandles("BTC", "1m", [candle(5, 110), candle(4), candle(5, 120)]);
    await store.flush();
    assert.deepEqual(await store.candles("BTC", "1m"), [candle(4), candle(5, 120)]);
  });

  test("range queries: inclusive bounds, limit keeps the newest unless from is set", async ({ store }) => {
    const rows = Array.from({ length: 20 }, (_, i) => candle(i));
    await store.upsertCandles("BTC", "1m", rows);
    await store.flush();
    assert.deepEqual(
      await store.candles("BTC", "1m", { from: rows[3].time, to: rows[6].time }),
      rows.slice(3, 7),
    );
    assert.deepEqual(await store.candles("BTC", "1m", { limit: 4 }), rows.slice(16));
    assert.deepEqual(
      await store.candles("BTC", "1m", { to: rows[9].time, limit: 3 }),
      rows.slice(7, 10),
    );
    assert.deepEqual(
      await store.candles("BTC", "1m", { from: rows[2].time, limit: 3 }),
      rows.slice(2, 5),
    );
    assert.deepEqual(await store.candles("BTC", "1m", { from: rows[19].time + 1 }), []);
    assert.deepEqual(await store.latestCandles("BTC", "1m", 5), rows.slice(15));
    assert.deepEqual(await store.latestCandles("BTC", "1m", 500), rows);
    assert.deepEqual(await store.latestCandles("BTC", "1m", 0), []);
  });

  test("series are kept apart by symbol and interval", async ({ store }) => {
    await store.upsertCandles("BTC", "1m", [candle(0, 100)]);
    await store.upsertCandles("ETH", "1m", [candle(0, 200)]);
    await store.upsertCandles("BTC", "5m", [candle(0, 300)]);
    await store.flush();
    assert.deepEqual(await store.candles("BTC", "1m"), [candle(0, 100)]);
    assert.deepEqual(await store.candles("ETH", "1m"), [candle(0, 200)]);
    assert.deepEqual(await store.candles("BTC", "5m"), [candle(0, 300)]);
    assert.deepEqual(await store.candles("SOL", "1m"), []);
  });

  test("a bad candle rejects the whole batch, naming the index and the field", async ({ store }) => {
    const cases: [Candle, RegExp][] = [
      [{ ...candle(1), close: NaN }, /candle\[1\].*close NaN/],
      [{ ...candle(1), open: -5 }, /candle\[1\].*open -5/],
      [{ ...candle(1), high: 90, low: 95 }, /candle\[1\].*high 90 is below low 95/],
      [{ ...candle(1), time: -60_000 }, /candle\[1\].*time -60000/],
      [{ ...candle(1), trades: 1.5 }, /candle\[1\].*trades 1.5/],
      [{ ...candle(1), volume: Infinity }, /candle\[1\].*volume Infinity/],
    ];
    for (const [bad, pattern] of cases) {
      await rejects(store.upsertCandles("BTC", "1m", [candle(0), bad, candle(2)]), pattern);
    }
    await rejects(store.upsertCandles("", "1m", [candle(0)]), /symbol/);
    await rejects(store.upsertCandles("BTC", "7m" as "1m", [candle(0)]), /interval "7m"/);
    await store.flush();
    assert.deepEqual(
      await store.candles("BTC", "1m"),
      [],
      "nothing of a rejected batch is written",
    );
  });

  test("bad queries are errors, not empty results", async ({ store }) => {
    await rejects(store.candles("BTC", "1m", { from: -1 }), /from -1/);
    await rejects(store.candles("BTC", "1m", { from: 10, to: 5 }), /after/);
    await rejects(store.candles("BTC", "1m", { limit: 0 }), /limit 0/);
    await rejects(store.candles("BTC", "1m", { limit: 2.5 }), /limit 2.5/);
    await rejects(store.latestCandles("BTC", "1m", -3), /count -3/);
    await rejects(store.signals("BTC", "1m", { to: NaN }), /to NaN/);
  });

  test("real candles across many blocks: full and latest-500 reads match", async ({ store }) => {
    const real = loadCandles(REAL_1M).slice(0, 3000);
    // Written in three out-of-order chunks to exercise merging into existing blocks.
    await store.upsertCandles("BTC", "1m", real.slice(1000, 2000));
    await store.upsertCandles("BTC", "1m", real.slice(2000));
    await store.upsertCandles("BTC", "1m", real.slice(0, 1200));
    await store.flush();
    assert.deepEqual(await store.candles("BTC", "1m"), real);
    assert.deepEqual(await store.latestCandles("BTC", "1m", 500), real.slice(-500));
    const mid = await store.candles("BTC", "1m", { from: real[1500].time, limit: 300 });
    assert.deepEqual(mid, real.slice(1500, 1800));
  });

  test("concurrent upserts into the same block all land", async ({ store }) => {
    const rows = Array.from({ length: 60 }, (_, i) => candle(i));
    await Promise.all(
      [0, 1, 2, 3].map((k) => store.upsertCandles("BTC", "1m", rows.filter((_, i) => i % 4 === k))),
    );
    await store.flush();
    assert.deepEqual(await store.candles("BTC", "1m"), rows);
  });

  test("signals: keyed by symbol, interval, time and strategy; newest first", async ({ store }) => {
    const s0 = signal({ time: T0 });
    const s1 = signal({ time: T0 + MIN, score: 4 });
    const s1b = signal({ time: T0 + MIN, strategy: "aggressive", direction: "Short" });
    const s2 = signal({
      time: T0 + 2 * MIN,
      sl_pct: null,
      tp_pct: null,
      sl_price: null,
      tp_price: null,
    });
    await store.upsertSignals([s0, s1, s1b, s2]);
    await store.upsertSignals([{ ...s1, score: 5 }]);
    await store.flush();
    const got = await store.signals("BTC", "1m");
    // Same time: ordered by strategy name, descending.
    assert.deepEqual(got, [s2, { ...s1, score: 5 }, s1b, s0]);
    assert.deepEqual(await store.signals("BTC", "1m", { limit: 1 }), [s2]);
    assert.deepEqual(await store.signals("BTC", "1m", { from: T0, to: T0 }), [s0]);
    assert.deepEqual(await store.signals("ETH", "1m"), []);
  });

  test("latest signal per symbol and interval", async ({ store }) => {
    await store.upsertSignals([
      signal({ time: T0 + 2 * MIN }),
      signal({ time: T0 }),
      signal({ symbol: "ETH", time: T0 + MIN, price: 3000 }),
      signal({ interval: "5m", time: T0 }),
    ]);
    await store.upsertSignals([signal({ time: T0 + MIN })]); // older than the latest: no change
    await store.flush();
    const latest = (await store.latestSignals())
      .map((s) => `${s.symbol} ${s.interval} ${s.time - T0}`).sort();
    assert.deepEqual(latest, [`BTC 1m ${2 * MIN}`, "BTC 5m 0", `ETH 1m ${MIN}`]);
  });

  test("a bad signal rejects the batch", async ({ store }) => {
    await rejects(
      store.upsertSignals([signal(), signal({ time: T0 + MIN, price: NaN })]),
      /signal\[1\].*price NaN/,
    );
    await rejects(store.upsertSignals([signal({ strategy: "" })]), /signal\[0\].*strategy/);
    await rejects(
      store.upsertSignals([signal({ direction: "Up" as "Long" })]),
      /signal\[0\].*direction "Up"/,
    );
    await store.flush();
    assert.deepEqual(await store.signals("BTC", "1m"), []);
  });

  test("strategies: put, get, list, replace, delete", async ({ store }) => {
    const a = {
      id: "default",
      name: "Default",
      config: { thresholds: [1, 2] },
      created_at: 1,
      updated_at: 1,
    };
    const b = { id: "aggressive", config: { x: true }, created_at: 2, updated_at: 2 };
    await store.putStrategy(a);
    await store.putStrategy(b);
    assert.deepEqual(await store.strategy("default"), a);
    assert.deepEqual(await store.strategies(), [b, a]);
    const a2 = { ...a, config: { thresholds: [3] }, updated_at: 5 };
    await store.putStrategy(a2);
    assert.deepEqual(await store.strategy("default"), a2);
    assert.equal(await store.deleteStrategy("default"), true);
    assert.equal(await store.deleteStrategy("default"), false);
    assert.equal(await store.strategy("default"), undefined);
    assert.deepEqual(await store.strategies(), [b]);
    await rejects(store.putStrategy({ ...b, id: "bad id with spaces" }), /strategy id/);
  });

  test("health reports ok", async ({ store }) => {
    const h = await store.health();
    assert.equal(h.ok, true, h.detail);
  });

  test("data survives a restart (persistent stores)", async (t) => {
    if (!t.reopen) return;
    await t.store.upsertCandles("BTC", "1m", [candle(0), candle(1)]);
    await t.store.upsertSignals([signal()]);
    await t.store.putStrategy({ id: "s", config: {}, created_at: 1, updated_at: 1 });
    await t.store.stop();
    const again = await t.reopen();
    try {
      assert.deepEqual(await again.candles("BTC", "1m"), [candle(0), candle(1)]);
      assert.deepEqual(await again.signals("BTC", "1m"), [signal()]);
      assert.deepEqual(await again.latestSignals(), [signal()]);
      assert.equal((await again.strategy("s"))?.id, "s");
    } finally {
      await again.stop();
    }
  });
}
