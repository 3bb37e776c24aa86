/**
 * No look-ahead: the real engine and trading model on the Hyperliquid BTC 1h series with its
 * funding; every candle and settlement after a time T is perturbed (prices scaled by random
 * factors, volumes and rates replaced) and nothing known before T may change.
 */
import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import type { FundingPoint } from "../core/market.ts";
import { parseBacktestConfig } from "../backtest/config.ts";
import { engineSeries } from "../backtest/engine.ts";
import { type BacktestResult, runBacktest } from "../backtest/run.ts";
import { loadCandles, loadFunding } from "./data.ts";

const CANDLES = "hyperliquid-btc-perp-1h-2024-09_2025-07.csv";
const FUNDING = "hyperliquid-btc-funding-1h-2023-05_2025-07.csv";

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function perturb(candles: Candle[], funding: FundingPoint[], cut: number, seed: number) {
  const r = rng(seed);
  const cs = candles.map((c) => {
    if (c.time < cut) return c;
    const k = 0.6 + 0.8 * r();
    const o = c.open * k, cl = c.close * (0.6 + 0.8 * r());
    return {
      time: c.time,
      open: o,
      close: cl,
      high: Math.max(o, cl) * (1 + 0.05 * r()),
      low: Math.min(o, cl) * (1 - 0.05 * r()),
      volume: c.volume * 3 * r(),
    };
  });
  const fs = funding.map((f) => f.time < cut ? f : { ...f, rate: (r() - 0.5) * 0.002 });
  return { cs, fs };
}

async function run(
  candles: Candle[],
  funding: FundingPoint[],
  entry: "next_open" | "signal_close",
) {
  return runBacktest({
    symbol: "BTC",
    interval: "1h",
    candles,
    funding,
    series: await engineSeries("BTC", "1h"),
    config: parseBacktestConfig({ entry }),
  });
}

/** Everything of `r` that is known at time `cut`: closed trades and the equity curve. */
function before(r: BacktestResult, cut: number) {
  const eq: number[] = [];
  for (let i = 0; i < r.equity.length; i++) if (r.equity_times[i] <= cut) eq.push(r.equity[i]);
  return { trades: r.trades.filter((t) => t.exit_time < cut), equity: eq };
}

for (const entry of ["next_open", "signal_close"] as const) {
  Deno.test(`look-ahead (${entry}): perturbing everything after T changes nothing before T`, async () => {
    const candles = loadCandles(CANDLES);
    const funding = loadFunding(FUNDING);
    const base = await run(candles, funding, entry);
    assert.ok(base.trades.length > 100, "the strategy must trade for the test to mean something");
    for (const [k, frac] of [[1, 0.3], [2, 0.55], [3, 0.8]] as const) {
      const cut = candles[Math.floor(candles.length * frac)].time;
      const { cs, fs } = perturb(candles, funding, cut, 1000 + k);
      const alt = await run(cs, fs, entry);
      const a = before(base, cut);
      const b = before(alt, cut);
      assert.ok(a.trades.length > 10);
      assert.deepEqual(b.trades, a.trades, `trades closed before T #${k}`);
      assert.deepEqual(b.equity, a.equity, `equity up to T #${k}`);
      // The perturbation is real: the runs differ after T.
      assert.notDeepEqual(alt.trades, base.trades);
    }
  });
}

Deno.test("look-ahead: the perturbation check itself detects a model that peeks one candle ahead", async () => {
  // A leaky variant: each candle is fed with the next candle's close (what a look-ahead bug
  // does). The same comparison must then find a difference before T, else the test is blind.
  const candles = loadCandles(CANDLES).slice(0, 3000);
  const leak = (cs: Candle[]) =>
    cs.map((c, i) => {
      const n = cs[i + 1] ?? c;
      return {
        ...c,
        close: n.close,
        high: Math.max(c.high, n.close),
        low: Math.min(c.low, n.close),
      };
    });
  const cut = candles[2000].time;
  const { cs } = perturb(candles, [], cut, 7);
  const a = before(await run(leak(candles), [], "next_open"), cut);
  const b = before(await run(leak(cs), [], "next_open"), cut);
  assert.notDeepEqual(b.equity, a.equity);
});
