import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import type { Direction } from "../core/signal.ts";
import { parseBacktestConfig } from "./config.ts";
import { escapeHtml, loadChartLibrary, renderHtmlReport } from "./report_html.ts";
import { buildJsonReport } from "./report_json.ts";
import { runBacktest } from "./run.ts";

const H = 3_600_000;

async function smallRun() {
  const candles: Candle[] = [];
  for (let i = 0; i < 300; i++) {
    const p = 100 + 10 * Math.sin(i / 15);
    candles.push({ time: i * H, open: p, high: p * 1.01, low: p * 0.99, close: p, volume: 1 });
  }
  const dir = (
    i: number,
  ): Direction => (i % 40 === 5 ? "Long" : i % 40 === 25 ? "Short" : "Neutral");
  let i = 0;
  const series = {
    decide: (c: Candle) => ({ time: c.time, direction: dir(i++), sl_pct: 1.5, tp_pct: 3 }),
  };
  const config = parseBacktestConfig({});
  const funding = [{ time: 150 * H, rate: 0.0001, periodHours: 1 }];
  const r = runBacktest({ symbol: "BTC<x>", interval: "1h", candles, funding, series, config });
  const report = await buildJsonReport(
    r,
    { candles: "mem.csv", funding: "f.csv", strategy: "scripted", engine_version: "t" },
    config,
    { first: 150 * H, last: 150 * H },
  );
  return { r, report, candles };
}

Deno.test("report json: stable, JSON-safe, with caveats for partial funding", async () => {
  const a = await smallRun();
  const b = await smallRun();
  assert.equal(JSON.stringify(a.report), JSON.stringify(b.report));
  const back = JSON.parse(JSON.stringify(a.report));
  assert.deepEqual(back.performance, a.report.performance); // no NaN/Infinity lost in JSON
  assert.ok(a.report.trades.length > 3);
  assert.equal(a.report.trades_summary.trades, a.report.trades.length);
  assert.ok(a.report.caveats.some((c) => /Funding data covers/.test(c)));
  const last = a.report.equity_sample[a.report.equity_sample.length - 1];
  assert.equal(last[1], a.report.performance.final_equity);
});

Deno.test("report html: self-contained (library inlined, nothing fetched), data embedded", async () => {
  const { r, report, candles } = await smallRun();
  const html = await renderHtmlReport(report, r, candles);
  const lib = await loadChartLibrary();
  assert.match(lib.version, /^\d+\.\d+\.\d+$/);
  assert.ok(html.includes(lib.source), "the chart library is inlined");
  assert.doesNotMatch(html, /<script[^>]*\bsrc=/i);
  assert.doesNotMatch(html, /<link[^>]*\bhref=/i);
  assert.doesNotMatch(html, /<(img|iframe)[^>]*\bsrc=["']?https?:/i);
  assert.ok(html.includes("BTC&#60;x&#62;"), "the symbol is escaped");
  const m = html.match(/<script type="application\/json" id="backtest-data">(.*?)<\/script>/s);
  assert.ok(m);
  const data = JSON.parse(m[1]);
  assert.equal(data.bars.length, candles.length);
  assert.equal(data.markers.length, 2 * r.trades.length);
  assert.ok(data.equity.length > 2 && data.drawdown.length > 2);
  for (
    const k of ["Sharpe", "Sortino", "Calmar", "Profit factor", "Ambiguous candles", "Funding paid"]
  ) {
    assert.ok(html.includes(k), k);
  }
  assert.equal(escapeHtml(`<a href="x">&'`), "&#60;a href=&#34;x&#34;&#62;&#38;&#39;");
});
