/**
 * The human backtest report: one self-contained HTML file (no network at all when opened) with
 * the summary tables, the equity curve, the drawdown and the price with trade markers.
 *
 * The charts are TradingView's lightweight-charts. Its standalone build is inlined from the
 * installed npm package at report time, never copied into the repository or fetched from a CDN:
 * the package is pinned in the import map (`"lightweight-charts": "npm:lightweight-charts@…"`),
 * the static JSON import below makes Deno install it, `require.resolve` finds the package's
 * `package.json` in Deno's npm cache, and the standalone script (not in the package's `exports`,
 * so not importable by name) is read with a dynamic text import of its file URL. Deno lets
 * module loading read its own npm cache, so no `--allow-read` beyond the project is needed.
 * @module
 */
import { createRequire } from "node:module";
import lwcPackage from "lightweight-charts/package.json" with { type: "json" };
import type { Candle } from "../core/candle.ts";
import { bucketCandles, curveSample } from "./downsample.ts";
import type { BacktestReport } from "./report_json.ts";
import type { BacktestResult } from "./run.ts";

/** Path of the standalone build inside the package. */
export const CHART_LIBRARY_FILE = "dist/lightweight-charts.standalone.production.js";

/** The chart library's browser script and its version. */
export interface ChartLibrary {
  version: string;
  source: string;
}

let library: Promise<ChartLibrary> | undefined;

/** Reads the standalone lightweight-charts script from the installed package (once). */
export function loadChartLibrary(): Promise<ChartLibrary> {
  library ??= (async () => {
    const require = createRequire(import.meta.url);
    const pkgPath = require.resolve("lightweight-charts/package.json");
    const url = new URL(CHART_LIBRARY_FILE, new URL(`file://${pkgPath}`));
    const mod = await import(url.href, { with: { type: "text" } });
    const source = mod.default;
    if (typeof source !== "string" || !source.includes("LightweightCharts")) {
      throw new Error(`lightweight-charts: ${url.pathname} is not the standalone build`);
    }
    if (/<\/script|<!--/i.test(source)) {
      throw new Error("lightweight-charts: script contains </script or <!--; cannot inline");
    }
    return { version: lwcPackage.version, source };
  })();
  return library;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028|\u2029/g, "");
}

const MAX_BARS = 20_000;
const MAX_CURVE = 4000;
const MAX_MARKER_TRADES = 1000;
const MAX_LABELLED_TRADES = 60;
const MAX_TABLE_TRADES = 500;

function pct(v: number | null, digits = 2): string {
  return v === null ? "–" : `${(v * 100).toFixed(digits)} %`;
}
function num(v: number | null, digits = 2): string {
  return v === null ? "–" : v.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}
function duration(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} days` : `${h.toFixed(1)} h`;
}
function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

function table(rows: [string, string][]): string {
  return `<table>${
    rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")
  }</table>`;
}

/** The chart data: thinned price bars, markers on bar times, equity and drawdown curves. */
export function chartData(r: BacktestResult, candles: readonly Candle[]) {
  const traded = r.from === null ? [] : candles.filter((c) => c.time >= r.from!);
  const bars = bucketCandles(traded, MAX_BARS);
  const barTimes = bars.map((b) => b.time);
  const barOf = (t: number): number => {
    let lo = 0;
    let hi = barTimes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (barTimes[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return Math.floor(barTimes[lo] / 1000);
  };
  const markers: { time: number; position: string; shape: string; color: string; text: string }[] =
    [];
  const labels = r.trades.length <= MAX_LABELLED_TRADES;
  if (bars.length > 0) {
    for (const t of r.trades.slice(0, MAX_MARKER_TRADES)) {
      const long = t.side === "Long";
      markers.push({
        time: barOf(t.entry_time),
        position: long ? "belowBar" : "aboveBar",
        shape: long ? "arrowUp" : "arrowDown",
        color: long ? "#16a34a" : "#dc2626",
        text: labels ? `${long ? "L" : "S"}${t.id}` : "",
      });
      markers.push({
        time: barOf(Math.min(t.exit_time, r.to ?? t.exit_time)),
        position: long ? "aboveBar" : "belowBar",
        shape: "circle",
        color: t.net_pnl >= 0 ? "#2563eb" : "#9333ea",
        text: labels ? `x${t.id} ${t.exit_reason.replace("_", " ")}` : "",
      });
    }
    markers.sort((a, b) => a.time - b.time);
  }
  const eq = r.equity;
  const dd = new Float64Array(eq.length);
  let peak = -Infinity;
  for (let i = 0; i < eq.length; i++) {
    if (eq[i] > peak) peak = eq[i];
    dd[i] = peak > 0 ? (eq[i] / peak - 1) * 100 : 0;
  }
  const point = (i: number, v: ArrayLike<number>) => ({
    time: Math.floor(r.equity_times[i] / 1000),
    value: v[i],
  });
  return {
    bars: bars.map((b) => ({
      time: Math.floor(b.time / 1000),
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
    })),
    bucket: traded.length > MAX_BARS ? Math.ceil(traded.length / MAX_BARS) : 1,
    markers,
    markersTruncated: r.trades.length > MAX_MARKER_TRADES,
    equity: curveSample(eq, MAX_CURVE).map((i) => point(i, eq)),
    drawdown: curveSample(dd, MAX_CURVE).map((i) => point(i, dd)),
  };
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555;margin-bottom:16px}.grid{display:flex;flex-wrap:wrap;gap:16px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 16px;min-width:260px}
table{border-collapse:collapse}th,td{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
th{font-weight:500;color:#444}td{font-variant-numeric:tabular-nums}
.chart{height:340px;background:#fff;border:1px solid #ddd;border-radius:6px}
.small{height:200px}.note{color:#92400e;background:#fffbeb;border:1px solid #fcd34d;
border-radius:6px;padding:8px 12px;margin:8px 0}
.trades td,.trades th{border-bottom:1px solid #eee;padding:2px 8px;white-space:nowrap}
.pos{color:#15803d}.neg{color:#b91c1c}`;

const CHART_SCRIPT = `
(function(){
var D=JSON.parse(document.getElementById('backtest-data').textContent);
var L=window.LightweightCharts;
function mk(id,h){return L.createChart(document.getElementById(id),{autoSize:true,
 layout:{background:{color:'#ffffff'},textColor:'#333'},timeScale:{timeVisible:true},
 rightPriceScale:{borderVisible:false},grid:{vertLines:{color:'#f0f0f0'},horzLines:{color:'#f0f0f0'}}});}
var price=mk('price-chart');
var candles=price.addSeries(L.CandlestickSeries,{upColor:'#16a34a',downColor:'#dc2626',
 borderVisible:false,wickUpColor:'#16a34a',wickDownColor:'#dc2626'});
candles.setData(D.bars);
if(D.markers.length)L.createSeriesMarkers(candles,D.markers);
var eq=mk('equity-chart');
eq.addSeries(L.LineSeries,{color:'#2563eb',lineWidth:2}).setData(D.equity);
var dd=mk('drawdown-chart');
dd.addSeries(L.AreaSeries,{lineColor:'#b91c1c',topColor:'rgba(185,28,28,0.05)',
 bottomColor:'rgba(185,28,28,0.35)',invertFilledArea:false,
 priceFormat:{type:'custom',formatter:function(v){return v.toFixed(2)+' %';}}}).setData(D.drawdown);
[price,eq,dd].forEach(function(c){c.timeScale().fitContent();});
})();`;

/** Renders the self-contained HTML report. */
export async function renderHtmlReport(
  report: BacktestReport,
  result: BacktestResult,
  candles: readonly Candle[],
): Promise<string> {
  const lib = await loadChartLibrary();
  const p = report.performance;
  const s = report.trades_summary;
  const c = report.costs;
  const run = report.run;
  const data = chartData(result, candles);
  const title = `${run.symbol} ${run.interval} · ${run.source.strategy}`;
  const perf = table([
    ["Total return", pct(p.total_return)],
    ["CAGR", pct(p.cagr)],
    ["Sharpe (annualised)", num(p.sharpe)],
    ["Sortino (annualised)", num(p.sortino)],
    ["Max drawdown", pct(p.max_drawdown)],
    ["Longest drawdown", duration(p.max_drawdown_duration_ms)],
    ["Calmar", num(p.calmar)],
    ["Equity", `${num(p.initial_equity)} → ${num(p.final_equity)}`],
  ]);
  const trades = table([
    ["Trades", String(s.trades)],
    ["Win rate", pct(s.win_rate, 1)],
    ["Profit factor", num(s.profit_factor)],
    ["Expectancy / trade", `${num(s.expectancy)} (${num(s.expectancy_r)} R)`],
    ["Average win", num(s.avg_win)],
    ["Average loss", num(s.avg_loss)],
    ["Exposure", `${s.exposure_pct.toFixed(1)} %`],
  ]);
  const costs = table([
    ["Fees paid", num(c.fees)],
    ["Funding paid", num(c.funding_paid)],
    ["Funding received", num(c.funding_received)],
    ["Funding net", num(c.funding_net)],
    ["Slippage", num(c.slippage)],
    ["Ambiguous candles", String(c.ambiguous_candles)],
  ]);
  const cfg = run.config;
  const settings = table([
    ["Entry", cfg.entry === "next_open" ? "next candle's open" : "signal candle's close"],
    ["Risk per trade", `${cfg.risk_pct} % of equity`],
    ["Max leverage", `${cfg.max_leverage}×`],
    ["Fees", `taker ${cfg.taker_fee * 100} %, maker ${cfg.maker_fee * 100} %`],
    ["Slippage", `${cfg.slippage_bps} bps`],
    ["Take-profit", cfg.take_profit_order],
  ]);
  const notes = [c.ambiguity_rule, ...report.caveats];
  if (data.bucket > 1) notes.push(`Price chart: ${data.bucket} candles per bar.`);
  if (data.markersTruncated) {
    notes.push(`Markers drawn for the first ${MAX_MARKER_TRADES} trades only.`);
  }
  const rows = report.trades.slice(0, MAX_TABLE_TRADES).map((t) =>
    `<tr><td>${t.id}</td><td>${t.side}</td><td>${isoMinute(t.entry_time)}</td><td>${
      num(t.entry_price, 4)
    }</td><td>${isoMinute(t.exit_time)}</td><td>${num(t.exit_price, 4)}</td><td>${
      t.exit_reason.replace("_", " ")
    }${t.ambiguous ? " (ambiguous)" : ""}</td><td>${num(t.qty, 6)}</td><td>${num(t.fees)}</td><td>${
      num(t.funding)
    }</td><td class="${t.net_pnl >= 0 ? "pos" : "neg"}">${num(t.net_pnl)}</td><td>${
      num(t.r_multiple)
    }</td></tr>`
  ).join("");
  const more = report.trades.length > MAX_TABLE_TRADES
    ? `<p>First ${MAX_TABLE_TRADES} of ${report.trades.length} trades; all are in the JSON report.</p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Backtest · ${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
<h1>Backtest · ${escapeHtml(title)}</h1>
<div class="meta">${
    escapeHtml(`${run.from ?? "–"} → ${run.to ?? "–"}`)
  } · ${run.candles_traded} candles · engine ${escapeHtml(run.source.engine_version)} · candles: ${
    escapeHtml(run.source.candles)
  }${
    run.source.funding ? ` · funding: ${escapeHtml(run.source.funding)}` : ""
  }<br>trades hash <code>${escapeHtml(report.trades_hash)}</code></div>
${notes.map((n) => `<div class="note">${escapeHtml(n)}</div>`).join("\n")}
<div class="grid">
<div class="card"><h2>Performance</h2>${perf}</div>
<div class="card"><h2>Trades</h2>${trades}</div>
<div class="card"><h2>Costs and caveats</h2>${costs}</div>
<div class="card"><h2>Settings</h2>${settings}</div>
</div>
<h2>Price and trades</h2><div id="price-chart" class="chart"></div>
<h2>Equity</h2><div id="equity-chart" class="chart small"></div>
<h2>Drawdown (%)</h2><div id="drawdown-chart" class="chart small"></div>
<h2>Trade list</h2>
<table class="trades"><tr><th>#</th><th>Side</th><th>Entry (UTC)</th><th>Entry price</th>
<th>Exit (UTC)</th><th>Exit price</th><th>Exit</th><th>Qty</th><th>Fees</th><th>Funding</th>
<th>Net PnL</th><th>R</th></tr>${rows}</table>${more}
<p class="meta">Charts: lightweight-charts ${
    escapeHtml(lib.version)
  } (Apache-2.0, © TradingView, Inc.), inlined.</p>
<script type="application/json" id="backtest-data">${scriptJson(data)}</script>
<script>${lib.source}</script>
<script>${CHART_SCRIPT}</script>
</body></html>
`;
}
