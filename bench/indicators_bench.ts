/**
 * Indicator throughput on 1,000,000 synthetic GBM candles (seeded, so every run sees the same
 * data), all measured in this one run:
 *
 * - Perptrix: every indicator plugin found in plugins/indicators (all ten), streaming through the
 *   plugin interface: per closed candle every state is updated (the issue's target, the
 *   baseline), and, as extra lines, updated and evaluated as the engine does, for all ten and for
 *   the seven price indicators alone (like-for-like with the libraries).
 * - trading-signals 8.3.0, streaming: the same seven (RSI, MACD, EMA20, EMA50, Bollinger, ATR,
 *   OBV, SuperTrend).
 * - technicalindicators 3.1.0, streaming (`nextValue`): the same minus SuperTrend (it has none).
 * - @ixjb94/indicators 1.2.4, batch over whole arrays (it has no streaming API): the same minus
 *   SuperTrend, including building the input arrays from the candles.
 * - Perptrix batch, like-for-like with @ixjb94: `candleColumns` from the candles (validated, as
 *   the streaming path would) and `computeColumns` (each plugin's whole-series `batch()`) for the
 *   same six; and, as an extra line, all seven with SuperTrend.
 *
 * Deno's summary prints the ratios against the Perptrix baseline; on unload a table of
 * candles/s (best iteration) and ratios is printed, followed by the size of one (symbol,
 * interval)'s states: heap growth of 1000 fed state sets between forced GCs (child process,
 * `_state_size.ts`).
 * @module
 */
import {
  type Candle,
  candleColumns,
  candleProblem,
  computeColumns,
  type Indicator,
} from "../mod.ts";
import {
  ATR as TsAtr,
  BollingerBands as TsBollinger,
  EMA as TsEma,
  MACD as TsMacd,
  OBV as TsObv,
  RSI as TsRsi,
  SuperTrend as TsSuperTrend,
} from "trading-signals";
import {
  ATR as TiAtr,
  BollingerBands as TiBollinger,
  EMA as TiEma,
  MACD as TiMacd,
  OBV as TiObv,
  RSI as TiRsi,
} from "technicalindicators";
import { IndicatorsSync } from "@ixjb94/indicators";

const N = 1_000_000;
const PRICE_IDS = ["macd", "rsi", "ema_cross", "supertrend", "bollinger", "atr", "obv"];
/** The six @ixjb94 computes too (it has no SuperTrend). */
const IXJB_IDS = ["rsi", "macd", "ema_cross", "bollinger", "atr", "obv"];

/** mulberry32: a tiny seeded PRNG, so the data is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Geometric Brownian motion candles (1m), with funding and open interest riding along. */
function gbmCandles(n: number, seed = 42): Candle[] {
  const rand = prng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const out: Candle[] = new Array(n);
  let price = 60_000;
  let oi = 25_000;
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const open = price;
    price = open * Math.exp(0.0015 * normal());
    const close = price;
    oi = Math.max(1, oi * Math.exp(0.001 * normal()));
    out[i] = {
      time: t0 + i * 60_000,
      open,
      high: Math.max(open, close) * (1 + 0.0008 * Math.abs(normal())),
      low: Math.min(open, close) * (1 - 0.0008 * Math.abs(normal())),
      close,
      volume: 5 * Math.exp(0.8 * normal()),
      fundingRate: 1.25e-5 + 2e-5 * normal(),
      openInterest: oi,
    };
  }
  return out;
}

/** Every indicator plugin in plugins/indicators, as the registry would find them. */
async function discoverIndicators(): Promise<Indicator[]> {
  const dir = new URL("../plugins/indicators/", import.meta.url);
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const plugin = e.isFile && e.name.endsWith(".ts") && !e.name.startsWith("_") &&
      !e.name.endsWith("_test.ts") && !e.name.endsWith("_bench.ts");
    const folder = e.isDirectory && !e.name.startsWith("_");
    if (plugin) names.push(e.name);
    else if (folder) names.push(`${e.name}/mod.ts`);
  }
  names.sort();
  const out: Indicator[] = [];
  for (const name of names) {
    const mod = await import(new URL(name, dir).href);
    if (mod.default?.kind === "indicator") out.push(mod.default);
  }
  return out;
}

const candles = gbmCandles(N);
const all = await discoverIndicators();
const price = all.filter((i) => PRICE_IDS.includes(i.id));
const batchSix = all.filter((i) => IXJB_IDS.includes(i.id));
if (price.length !== PRICE_IDS.length || batchSix.length !== IXJB_IDS.length) {
  throw new Error("a price indicator plugin is missing");
}
const best = new Map<string, number>(); // bench name → best ms per 1M candles

function record(name: string, t0: number): void {
  const ms = performance.now() - t0;
  best.set(name, Math.min(best.get(name) ?? Infinity, ms));
}

/** Streaming update of every state per closed candle, as the engine feeds them. */
function perptrixUpdate(indicators: readonly Indicator[]): number {
  const params = indicators.map((i) => i.params.parse({}));
  const states = indicators.map((i, k) => i.create(params[k]));
  const n = indicators.length;
  for (let j = 0; j < candles.length; j++) {
    const c = candles[j];
    for (let k = 0; k < n; k++) states[k].update(c);
  }
  let count = 0;
  for (let k = 0; k < n; k++) count += states[k].count;
  return count;
}

/**
 * The update path as the engine feeds it: the candle validated once (`candleProblem`), then each
 * state's `updateTrusted` (plain `update` for a state without one).
 */
function perptrixTrustedUpdate(indicators: readonly Indicator[]): number {
  const params = indicators.map((i) => i.params.parse({}));
  const states = indicators.map((i, k) => i.create(params[k]));
  const n = indicators.length;
  const trusted = states.map((s) => typeof s.updateTrusted === "function");
  for (let j = 0; j < candles.length; j++) {
    const c = candles[j];
    if (candleProblem(c) !== undefined) throw new Error(`bad candle ${j}`);
    for (let k = 0; k < n; k++) {
      if (trusted[k]) states[k].updateTrusted!(c);
      else states[k].update(c);
    }
  }
  let count = 0;
  for (let k = 0; k < n; k++) count += states[k].count;
  return count;
}

/** The engine's per-candle work for one (symbol, interval): update then evaluate each. */
function perptrixStream(indicators: readonly Indicator[]): number {
  const params = indicators.map((i) => i.params.parse({}));
  const states = indicators.map((i, k) => i.create(params[k]));
  const n = indicators.length;
  let score = 0;
  for (let j = 0; j < candles.length; j++) {
    const c = candles[j];
    for (let k = 0; k < n; k++) {
      states[k].update(c);
      score += indicators[k].evaluate(states[k], params[k]).score;
    }
  }
  return score;
}

function tradingSignalsStream(): number {
  const rsi = new TsRsi(14);
  const macd = new TsMacd(new TsEma(12), new TsEma(26), new TsEma(9));
  const e20 = new TsEma(20);
  const e50 = new TsEma(50);
  const bb = new TsBollinger(20, 2);
  const atr = new TsAtr(14);
  const obv = new TsObv(2);
  const st = new TsSuperTrend({ interval: 10, multiplier: 3 });
  let sink = 0;
  for (let j = 0; j < candles.length; j++) {
    const c = candles[j];
    sink += rsi.update(c.close, false) ?? 0;
    sink += macd.update(c.close, false)?.histogram ?? 0;
    sink += e20.update(c.close, false) + e50.update(c.close, false);
    sink += bb.update(c.close, false)?.upper ?? 0;
    sink += atr.update(c, false) ?? 0;
    sink += obv.update(c, false) ?? 0;
    sink += st.update(c, false)?.supertrend ?? 0;
  }
  return sink;
}

function technicalIndicatorsStream(): number {
  const rsi = new TiRsi({ period: 14, values: [] });
  const macd = new TiMacd({
    values: [],
    fastPeriod: 12,
    slowPeriod: 26,
    signalPeriod: 9,
    SimpleMAOscillator: false,
    SimpleMASignal: false,
  });
  const e20 = new TiEma({ period: 20, values: [] });
  const e50 = new TiEma({ period: 50, values: [] });
  const bb = new TiBollinger({ period: 20, stdDev: 2, values: [] });
  const atr = new TiAtr({ period: 14, high: [], low: [], close: [] });
  const obv = new TiObv({ close: [], volume: [] });
  let sink = 0;
  for (let j = 0; j < candles.length; j++) {
    const c = candles[j];
    sink += rsi.nextValue(c.close) ?? 0;
    sink += macd.nextValue(c.close)?.histogram ?? 0;
    sink += (e20.nextValue(c.close) ?? 0) + (e50.nextValue(c.close) ?? 0);
    sink += bb.nextValue(c.close)?.upper ?? 0;
    sink += atr.nextValue({ high: c.high, low: c.low, close: c.close }) ?? 0;
    sink += obv.nextValue({ close: c.close, volume: c.volume }) ?? 0;
  }
  return sink;
}

const ixjb = new IndicatorsSync();
function ixjbBatch(): number {
  const n = candles.length;
  const close = new Array<number>(n);
  const high = new Array<number>(n);
  const low = new Array<number>(n);
  const volume = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    const c = candles[j];
    close[j] = c.close;
    high[j] = c.high;
    low[j] = c.low;
    volume[j] = c.volume;
  }
  let sink = 0;
  sink += ixjb.rsi(close, 14).length;
  sink += ixjb.macd(close, 12, 26, 9)[0].length;
  sink += ixjb.ema(close, 20).length + ixjb.ema(close, 50).length;
  sink += ixjb.bbands(close, 20, 2)[0].length;
  sink += ixjb.atr(high, low, close, 14).length;
  sink += ixjb.obv(close, volume).length;
  return sink;
}

/**
 * Whole-series values for `indicators` from the candle objects, as a backfill would compute
 * them: columns built (and validated) once, then each plugin's `batch()` over them.
 */
function perptrixBatch(indicators: readonly Indicator[]): number {
  const cols = candleColumns(candles);
  let rows = 0;
  for (const ind of indicators) rows += computeColumns(ind, cols)[ind.outputs[0]].length;
  return rows;
}

const GROUP = "1M candles, all indicators";
const NAMES = {
  update: `perptrix stream: all ${all.length} plugins, update only`,
  trusted: `perptrix stream: all ${all.length} plugins, validate once + updateTrusted`,
  all: `perptrix stream: all ${all.length} plugins, update + evaluate`,
  seven: "perptrix stream: 7 price indicators, update + evaluate",
  ts: "trading-signals stream: 7 (incl. SuperTrend)",
  ti: "technicalindicators stream: 6 (no SuperTrend)",
  ix: "@ixjb94/indicators batch: 6 (no SuperTrend)",
  batch: "perptrix batch: 6 (no SuperTrend)",
  batchAll: "perptrix batch: all 7",
};
let sink = 0;

Deno.bench({ name: NAMES.update, group: GROUP, baseline: true, n: 5, warmup: 1 }, () => {
  const t0 = performance.now();
  sink += perptrixUpdate(all);
  record(NAMES.update, t0);
});
Deno.bench({ name: NAMES.trusted, group: GROUP, n: 5, warmup: 1 }, () => {
  const t0 = performance.now();
  sink += perptrixTrustedUpdate(all);
  record(NAMES.trusted, t0);
});
Deno.bench({ name: NAMES.all, group: GROUP, n: 5, warmup: 1 }, () => {
  const t0 = performance.now();
  sink += perptrixStream(all);
  record(NAMES.all, t0);
});
Deno.bench({ name: NAMES.seven, group: GROUP, n: 5, warmup: 1 }, () => {
  const t0 = performance.now();
  sink += perptrixStream(price);
  record(NAMES.seven, t0);
});
Deno.bench({ name: NAMES.ts, group: GROUP, n: 2, warmup: 1 }, () => {
  const t0 = performance.now();
  sink += tradingSignalsStream();
  record(NAMES.ts, t0);
});
Deno.bench({ name: NAMES.ti, group: GROUP, n: 2, warmup: 1 }, () => {
  const t0 = performance.now();
  sink += technicalIndicatorsStream();
  record(NAMES.ti, t0);
});
Deno.bench({ name: NAMES.ix, group: GROUP, n: 5, warmup: 1 }, () => {
  const t0 = performance.now();
  sink += ixjbBatch();
  record(NAMES.ix, t0);
});
Deno.bench({ name: NAMES.batch, group: GROUP, n: 5, warmup: 1 }, () => {
  const t0 = performance.now();
  sink += perptrixBatch(batchSix);
  record(NAMES.batch, t0);
});
Deno.bench({ name: NAMES.batchAll, group: GROUP, n: 5, warmup: 1 }, () => {
  const t0 = performance.now();
  sink += perptrixBatch(price);
  record(NAMES.batchAll, t0);
});

/**
 * Heap growth per (symbol, interval) state set, measured in a child process that can force
 * garbage collection (this process cannot, so its heap deltas are noise).
 */
function stateBytes(): { indicators: number; bytesPerSet: number } {
  const out = new Deno.Command("deno", {
    args: ["run", "--v8-flags=--expose-gc", "--allow-read=.", "bench/_state_size.ts"],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

globalThis.addEventListener("unload", () => {
  if (sink === 42) console.log(""); // keeps the work observable
  const rate = (name: string) => N / ((best.get(name) ?? NaN) / 1000);
  const fmt = (x: number) => `${(x / 1e6).toFixed(2)}M candles/s`;
  console.log(`\ncandles/s on ${N.toLocaleString("en")} GBM candles (best iteration):`);
  for (const name of Object.values(NAMES)) {
    if (best.has(name)) console.log(`  ${name.padEnd(58)} ${fmt(rate(name))}`);
  }
  const lines = [
    [NAMES.update, "update only"],
    [NAMES.trusted, "engine feed"],
    [NAMES.all, "update + evaluate"],
  ] as const;
  for (const [mine, label] of lines) {
    if (!best.has(mine)) continue;
    for (const other of [NAMES.ts, NAMES.ti, NAMES.ix]) {
      if (!best.has(other)) continue;
      const ratio = rate(mine) / rate(other);
      console.log(
        `  ratio perptrix (all ${all.length}, ${label}) / ${other}: ${ratio.toFixed(2)}x`,
      );
    }
  }
  if (best.has(NAMES.batch) && best.has(NAMES.ix)) {
    const ratio = rate(NAMES.batch) / rate(NAMES.ix);
    console.log(
      `  ratio perptrix batch / @ixjb94 batch (same 6, columns from the candles): ` +
        `${ratio.toFixed(2)}x (target ≥ 1.00x: ${ratio >= 1 ? "met" : "NOT met"})`,
    );
  }
  if (best.has(NAMES.trusted)) {
    const r = rate(NAMES.trusted);
    console.log(
      `  update path as the engine feeds it (validate once + updateTrusted), all ${all.length}: ` +
        `${fmt(r)} (target ≥ 2.00M candles/s: ${r >= 2e6 ? "met" : "NOT met"})`,
    );
  }
  if (best.has(NAMES.update)) {
    const r = rate(NAMES.update);
    console.log(
      `  update path, all ${all.length}: ${fmt(r)} (target ≥ 2.00M candles/s: ` +
        `${r >= 2e6 ? "met" : "NOT met"})`,
    );
  }
  const { indicators, bytesPerSet: bytes } = stateBytes();
  console.log(
    `state of one (symbol, interval), all ${indicators} indicators: ` +
      `${(bytes / 1024).toFixed(1)} KiB (heap growth over 1000 fed sets; limit 64 KiB)`,
  );
  if (!(bytes < 64 * 1024)) console.log("  STATE SIZE OVER BUDGET");
});
