/**
 * Backtest throughput on 1,000,000 1m candles, as ratios within the same run to just reading and
 * parsing the same candles from CSV.
 *
 * Data: the real Binance BTCUSDT 1m series (130,708 consecutive candles) looped until 1,000,000
 * candles, each loop shifted in time to follow the previous one and its prices rescaled so the
 * seam is continuous (no synthetic prices). Funding: the real Hyperliquid BTC hourly settlement
 * rates, laid one per hour over the same span. The CSV is written once to /tmp.
 *
 * Benches (group `backtest-1m`): baseline = read + parse the CSV; `full` = the live signal engine
 * (default strategy, all plugins) + trading model over pre-parsed candles; `model only` = the
 * whole backtest loop (validation, funding join, trading model, metrics) replaying the signals the
 * full run computes, which isolates everything but the engine. The replaying source hands out one
 * reused decision read from typed columns, so its own cost is a few loads and stores, not an
 * allocation per candle; the replay must reproduce the full run's trades exactly.
 * The full run feeds the engine in blocks (`SignalSeries.decideBlock`), as `deno task backtest`
 * does; the replayed signals come from `decide` candle by candle, so the trade check also shows the
 * two give the same trades over the 1M candles.
 *
 * On unload the medians of the timed iterations are printed as candles/s, with the ratios and the
 * verdict on the ≤ 1 s target.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import { parseCandlesCsv } from "../core/csv.ts";
import { FundingCursor } from "../core/engine/funding_join.ts";
import type { FundingPoint } from "../core/market.ts";
import type { SignalDecision } from "../core/signal.ts";
import {
  type DecisionColumns,
  putDecision,
  readDecision,
} from "../core/engine/decision_columns.ts";
import { parseBacktestConfig } from "../backtest/config.ts";
import { compileBacktestStrategy, engineSeries } from "../backtest/engine.ts";
import { tradesHash } from "../backtest/hash.ts";
import { runBacktest } from "../backtest/run.ts";
import { BTC_1M, loadCandles, loadFunding } from "../tests/data.ts";

const N = 1_000_000;
const MIN = 60_000;
const CSV_PATH = "/tmp/perptrix-bench-btc-1m-1M.csv";

function loopCandles(src: Candle[], n: number): Candle[] {
  const out: Candle[] = new Array(n);
  let scale = 1;
  let t0 = src[0].time;
  for (let i = 0; i < n; i++) {
    const k = i % src.length;
    if (k === 0 && i > 0) {
      scale = out[i - 1].close / src[0].open;
      t0 = out[i - 1].time + MIN - src[0].time;
    } else if (i === 0) t0 = 0;
    const c = src[k];
    out[i] = {
      time: c.time + t0,
      open: c.open * scale,
      high: c.high * scale,
      low: c.low * scale,
      close: c.close * scale,
      volume: c.volume,
    };
  }
  return out;
}

function hourlyFunding(first: number, last: number): FundingPoint[] {
  const rates = loadFunding("hyperliquid-btc-funding-1h-2023-05_2025-07.csv")
    .filter((f) => f.time >= Date.UTC(2023, 5, 8, 1)) // the hourly era
    .map((f) => f.rate);
  const out: FundingPoint[] = [];
  let t = Math.ceil(first / 3_600_000) * 3_600_000;
  for (let i = 0; t <= last; i++, t += 3_600_000) {
    out.push({ time: t, rate: rates[i % rates.length], periodHours: 1 });
  }
  return out;
}

const candles = loopCandles(loadCandles(BTC_1M), N);
const funding = hourlyFunding(candles[0].time, candles[N - 1].time);
{
  const parts: string[] = ["time,open,high,low,close,volume\n"];
  for (const c of candles) {
    parts.push(`${c.time},${c.open},${c.high},${c.low},${c.close},${c.volume}\n`);
  }
  Deno.writeTextFileSync(CSV_PATH, parts.join(""));
}
const config = parseBacktestConfig({});
const strategy = await compileBacktestStrategy("default");

async function full() {
  return runBacktest({
    symbol: "BTC",
    interval: "1m",
    candles,
    funding,
    series: await engineSeries("BTC", "1m", strategy),
    config,
  });
}

function parse(): Candle[] {
  return parseCandlesCsv(Deno.readTextFileSync(CSV_PATH));
}

// Precomputed signals for the model-only bench (only the fields the model reads), from the
// candles the engine sees in the full run (funding joined).
const signals: DecisionColumns = {
  direction: new Int8Array(N),
  sl: new Float64Array(N),
  tp: new Float64Array(N),
};
{
  const s = await engineSeries("BTC", "1m", strategy);
  const join = new FundingCursor(funding, MIN); // streamed: no second 1M-candle array to collect
  for (let i = 0; i < N; i++) putDecision(signals, i, s.decide(join.attach(candles[i])));
}
function replaySource() {
  let i = 0;
  const rec: SignalDecision = { time: 0, direction: "Neutral", sl_pct: null, tp_pct: null };
  return {
    decide: (c: Candle): SignalDecision | undefined => readDecision(signals, i++, c.time, rec),
  };
}
function modelOnly() {
  return runBacktest({
    symbol: "BTC",
    interval: "1m",
    candles,
    funding,
    series: replaySource(),
    config,
  });
}

// The replay must reproduce the full run's trades (one pass of each, which also warms the JIT).
{
  const hFull = await tradesHash((await full()).trades);
  const hModel = await tradesHash(modelOnly().trades);
  if (hFull !== hModel) {
    throw new Error(`replayed trades differ from the full run: ${hModel} ≠ ${hFull}`);
  }
}

/** Seconds of every timed iteration, by bench; summarised on unload. */
const seconds = new Map<string, number[]>();
function record(name: string, t0: number): void {
  const list = seconds.get(name) ?? [];
  list.push((performance.now() - t0) / 1000);
  seconds.set(name, list);
}
function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const PARSE = "read + parse CSV (1M 1m candles)";
const FULL = "full: engine (default strategy) + trading model";
const MODEL = "trading model only (precomputed signals)";
let trades = 0;

Deno.bench({
  name: PARSE,
  group: "backtest-1m",
  baseline: true,
  n: 3,
  warmup: 1,
  fn: () => {
    const t0 = performance.now();
    parse();
    record(PARSE, t0);
  },
});
Deno.bench({
  name: FULL,
  group: "backtest-1m",
  n: 3,
  warmup: 0,
  fn: async () => {
    const t0 = performance.now();
    trades = (await full()).trades.length;
    record(FULL, t0);
  },
});
Deno.bench({
  name: MODEL,
  group: "backtest-1m",
  n: 3,
  warmup: 1,
  fn: () => {
    const t0 = performance.now();
    modelOnly();
    record(MODEL, t0);
  },
});

// Medians of the timed iterations above, as candles/s and ratios to read + parse.
globalThis.addEventListener("unload", () => {
  const p = median(seconds.get(PARSE) ?? [NaN]);
  const f = median(seconds.get(FULL) ?? [NaN]);
  const m = median(seconds.get(MODEL) ?? [NaN]);
  const rate = (s: number) => `${Math.round(N / s).toLocaleString("en-US")} candles/s`;
  console.log(
    [
      `backtest bench: ${N.toLocaleString("en-US")} 1m candles (real BTCUSDT 1m, looped), ${
        funding.length.toLocaleString("en-US")
      } hourly settlements, ${trades} trades; medians of the timed iterations`,
      `  read+parse CSV          ${p.toFixed(2)} s  ${rate(p)}`,
      `  engine + model          ${f.toFixed(2)} s  ${rate(f)}  = ${
        (f / p).toFixed(2)
      }× read+parse` +
      `  (target ≤ 1 s: ${f <= 1 ? "met" : "NOT met"})`,
      `  model only (replayed)   ${m.toFixed(2)} s  ${rate(m)}  = ${
        (m / p).toFixed(2)
      }× read+parse`,
    ].join("\n"),
  );
});
