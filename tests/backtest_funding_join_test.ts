/**
 * The backtest feeds the engine the same funding rates as `deno task signals --funding`: on real
 * candles and settlements, the rates the backtest loop hands to its signal source equal those of
 * `joinFunding`, and both equal a brute-force re-computation of the rule written here from its
 * definition (latest settlement with time ≤ close, per hour, stale after 2 of its periods).
 */
import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { joinFunding } from "../core/engine/funding_join.ts";
import type { FundingPoint } from "../core/market.ts";
import { parseBacktestConfig } from "../backtest/config.ts";
import { runBacktest } from "../backtest/run.ts";
import { loadCandles, loadFunding } from "./data.ts";

const H = 3_600_000;

/** O(candles × points) on purpose: nothing shared with the streaming cursor. */
function bruteForce(candles: readonly Candle[], points: readonly FundingPoint[], step: number) {
  return candles.map((c) => {
    const close = c.time + step;
    let p: FundingPoint | undefined;
    for (const q of points) if (q.time <= close) p = q;
    if (p === undefined || close - p.time > 2 * p.periodHours * H) return undefined;
    return p.rate / p.periodHours;
  });
}

/** The rates the backtest loop gives the engine, recorded by a neutral signal source. */
function backtestRates(candles: Candle[], funding: FundingPoint[]) {
  const fed: (number | undefined)[] = [];
  runBacktest({
    symbol: "BTC",
    interval: "1h",
    candles,
    funding,
    series: {
      decide(c) {
        fed.push(c.fundingRate);
        return undefined;
      },
    },
    config: parseBacktestConfig({}),
  });
  return fed;
}

const CASES = [
  ["hyperliquid-btc-perp-1h-2024-09_2025-07.csv", "hyperliquid-btc-funding-1h-2023-05_2025-07.csv"],
  [
    "binance-btcusdt-perp-1h-2020-01_2024-05.csv",
    "binance-btcusdt-perp-funding-8h-2021-06_2026-02.csv",
  ],
] as const;

for (const [candleFile, fundingFile] of CASES) {
  Deno.test(`backtest and signals CLI attach identical funding: ${candleFile}`, () => {
    const candles = loadCandles(candleFile);
    const funding = loadFunding(fundingFile);
    const viaBacktest = backtestRates(candles, funding);
    const { candles: joined, joined: count } = joinFunding(candles, funding, H);
    const viaCli = joined.map((c) => c.fundingRate);
    const expected = bruteForce(candles, funding, H);
    assert.equal(viaBacktest.length, candles.length);
    // Exact equality (same doubles), candle by candle.
    assert.deepEqual(viaBacktest, expected);
    assert.deepEqual(viaCli, expected);
    assert.equal(count, expected.filter((r) => r !== undefined).length);
    // The cases the two former rules disagreed on occur here, so the test can tell them apart:
    // candles closing exactly on a settlement (≤ vs <).
    const times = new Set(funding.map((f) => f.time));
    assert.ok(candles.some((c) => times.has(c.time + H)), "a candle closes on a settlement");
  });
}

Deno.test("backtest without settlements keeps a candle's own rate (nothing to join)", () => {
  const candles = loadCandles("hyperliquid-btc-perp-1h-2024-09_2025-07.csv").slice(0, 3)
    .map((c) => ({ ...c, fundingRate: 0.00001 }));
  assert.deepEqual(backtestRates(candles, []), [0.00001, 0.00001, 0.00001]);
});
