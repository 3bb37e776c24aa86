/**
 * Determinism on real perp series with their real funding: two independent runs (fresh engine
 * series) give the same trade hash and a byte-identical JSON report, and so does a run feeding
 * the engine candle by candle (`perCandle`) instead of in blocks. Also checks the accounting
 * identities that must hold on any run.
 */
import assert from "node:assert/strict";
import { parseBacktestConfig } from "../backtest/config.ts";
import { engineSeries } from "../backtest/engine.ts";
import { buildJsonReport } from "../backtest/report_json.ts";
import { runBacktest } from "../backtest/run.ts";
import { loadCandles, loadFunding } from "./data.ts";

const CASES = [
  ["hyperliquid-btc-perp-1h-2024-09_2025-07.csv", "hyperliquid-btc-funding-1h-2023-05_2025-07.csv"],
  [
    "binance-btcusdt-perp-1h-2020-01_2024-05.csv",
    "binance-btcusdt-perp-funding-8h-2021-06_2026-02.csv",
  ],
] as const;

async function once(candlesFile: string, fundingFile: string, perCandle = false) {
  const candles = loadCandles(candlesFile);
  const funding = loadFunding(fundingFile);
  const config = parseBacktestConfig({});
  const r = runBacktest({
    symbol: "BTC",
    interval: "1h",
    candles,
    funding,
    series: await engineSeries("BTC", "1h"),
    config,
    perCandle,
  });
  const report = await buildJsonReport(
    r,
    { candles: candlesFile, funding: fundingFile, strategy: "default", engine_version: "test" },
    config,
    { first: funding[0].time, last: funding[funding.length - 1].time },
  );
  return { r, report, json: JSON.stringify(report) };
}

for (const [candlesFile, fundingFile] of CASES) {
  Deno.test(`determinism: ${candlesFile} + ${fundingFile}`, async () => {
    const a = await once(candlesFile, fundingFile);
    const b = await once(candlesFile, fundingFile);
    assert.match(a.report.trades_hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(b.report.trades_hash, a.report.trades_hash);
    assert.equal(b.json, a.json);
    // Candle by candle in the live order, the same report as the default blocks.
    const live = await once(candlesFile, fundingFile, true);
    assert.equal(live.json, a.json);
    assert.deepEqual(live.r.equity, a.r.equity);

    const { r } = a;
    assert.ok(r.trades.length > 100);
    assert.ok(r.totals.funding_settlements > 0, "funding must be charged on this series");
    const net = r.trades.reduce((s, t) => s + t.net_pnl, 0);
    const close = (x: number, y: number, what: string) =>
      assert.ok(Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y)), `${what}: ${x} vs ${y}`);
    close(
      r.performance.final_equity,
      r.performance.initial_equity + net,
      "final = initial + Σ net",
    );
    close(r.totals.fees, r.trades.reduce((s, t) => s + t.fees, 0), "Σ fees");
    close(
      r.totals.funding_paid - r.totals.funding_received,
      r.trades.reduce((s, t) => s + t.funding, 0),
      "Σ funding",
    );
    assert.equal(r.totals.ambiguous_candles, r.trades.filter((t) => t.ambiguous).length);
    for (const t of r.trades) {
      assert.ok(t.exit_time >= t.entry_time && t.entry_time > t.signal_time, `trade ${t.id} times`);
      if (t.exit_reason === "stop_loss" && !t.ambiguous) {
        // A stop fills at the stop or worse (gap), never better.
        assert.ok(t.side === "Long" ? t.exit_price <= t.sl_price : t.exit_price >= t.sl_price);
      }
    }
  });
}
