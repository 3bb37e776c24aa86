/**
 * The hand-checked mini scenario through the whole backtest path: candle and funding CSV text
 * parsed by the core parsers, signals from a scripted series, the run loop, metrics and the JSON
 * report. Every number below is worked out by hand in the comments.
 */
import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { parseCandlesCsv, parseFundingCsv } from "../core/csv.ts";
import { parseBacktestConfig } from "../backtest/config.ts";
import type { SignalSource } from "../backtest/engine.ts";
import { buildJsonReport } from "../backtest/report_json.ts";
import { BacktestInputError, runBacktest } from "../backtest/run.ts";

const H = 3_600_000;
const CANDLES = `time,open,high,low,close,volume
0,100,101,99,100,5
${1 * H},100,102,99,101,5
${2 * H},101,105,100,104,5
${3 * H},104,104.5,103,103.5,5
${4 * H},103.5,106,97,98,5
`;
// Hyperliquid-style hourly settlements with a few ms of jitter after the hour.
const FUNDING = `time,rate
${1 * H + 48},0.0001
${2 * H + 30},-0.0002
${3 * H + 10},0.0001
${4 * H + 5},0.0002
`;

/** Emits scripted directions by candle index, and records what the engine side was fed. */
function scripted(plan: Record<number, ["Long" | "Short", number, number]>) {
  const fed: Candle[] = [];
  const source: SignalSource = {
    decide(c) {
      const i = fed.length;
      fed.push(c);
      const p = plan[i];
      return {
        time: c.time,
        direction: p ? p[0] : "Neutral",
        sl_pct: p ? p[1] : null,
        tp_pct: p ? p[2] : null,
      };
    },
  };
  return { source, fed };
}

Deno.test("scenario: two trades worked out by hand, through CSV parsing, run, metrics and report", async () => {
  const candles = parseCandlesCsv(CANDLES);
  const funding = parseFundingCsv(FUNDING);
  assert.equal(funding[0].periodHours, 1);
  const { source, fed } = scripted({ 0: ["Long", 2, 4], 2: ["Long", 2, 4] });
  const config = parseBacktestConfig({ slippage_bps: 0, max_leverage: 10 });
  const r = runBacktest({
    symbol: "BTC",
    interval: "1h",
    candles,
    funding,
    series: source,
    config,
  });

  // The engine side saw the as-of funding per hour: none until a settlement precedes a close.
  assert.deepEqual(fed.map((c) => c.fundingRate), [undefined, 0.0001, -0.0002, 0.0001, 0.0002]);

  // Trade 1: long at 100 (c1 open), qty 50, SL 98 / TP 104. Fee in 2.25; funding +0.5 at 1h,
  // −1.01 at 2h; TP at 104 in c2, maker fee 0.78; net 200 − 3.03 + 0.51 = 197.48.
  // Trade 2: c2's Long signal while flat again → long at 104 (c3 open) with equity 10 197.48:
  // qty = 101.9748 / 2.08 = 49.0263…, SL 101.92, TP 108.16, fee in 101.9748 × 104/2.08 × 0.045 %
  // = 2.294433. Funding: 3h pays qty × 104 × 0.0001 = 0.509874; 4h pays qty × 103.5 × 0.0002.
  // c4's low 97 is under the stop: SL at 101.92 (taker), gross −qty × 2.08 = −101.9748.
  const [t1, t2] = r.trades;
  assert.equal(r.trades.length, 2);
  const near = (a: number, b: number, w: string) =>
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${w}: ${a} ≠ ${b}`);
  near(t1.net_pnl, 197.48, "t1 net");
  const q2 = 101.9748 / 2.08;
  near(t2.qty, q2, "t2 qty");
  assert.equal(t2.exit_reason, "stop_loss");
  near(t2.exit_price, 101.92, "t2 exit");
  const fees2 = 2.294433 + q2 * 101.92 * 0.00045;
  const fund2 = 0.509874 + q2 * 103.5 * 0.0002;
  near(t2.fees, fees2, "t2 fees");
  near(t2.funding, fund2, "t2 funding");
  near(t2.net_pnl, -101.9748 - fees2 - fund2, "t2 net");

  // Equity curve: start, then every close. c3 closes at 103.5 with trade 2 open.
  const e3 = 10_197.48 - 2.294433 - 0.509874 + q2 * (103.5 - 104);
  near(r.equity[4], e3, "equity at c3 close");
  near(r.equity[5], 10_000 + t1.net_pnl + t2.net_pnl, "final equity");
  assert.equal(r.equity_times[0], 0);
  assert.equal(r.equity_times[5], 5 * H);

  // Metrics and report.
  assert.equal(r.stats.trades, 2);
  near(r.stats.win_rate!, 0.5, "win rate");
  near(r.stats.profit_factor!, 197.48 / -t2.net_pnl, "profit factor");
  near(r.stats.exposure_pct, 80, "4 of 5 candles in the market");
  const report = await buildJsonReport(
    r,
    { candles: "mem", funding: "mem", strategy: "scripted", engine_version: "n/a" },
    config,
    { first: funding[0].time, last: funding[3].time },
  );
  near(report.costs.funding_net, -0.51 + fund2, "funding net");
  assert.equal(report.costs.ambiguous_candles, 0);
  assert.match(report.costs.ambiguity_rule, /stop-loss first/);
  assert.equal(report.run.from, "1970-01-01T00:00:00.000Z");
});

Deno.test("scenario: tradeFrom warms the engine up without trading", () => {
  const candles = parseCandlesCsv(CANDLES);
  const { source, fed } = scripted({ 0: ["Long", 2, 4] });
  const r = runBacktest({
    symbol: "BTC",
    interval: "1h",
    candles,
    series: source,
    config: parseBacktestConfig({}),
    tradeFrom: 2 * H,
  });
  assert.equal(fed.length, 5); // the engine saw every candle
  assert.equal(r.candles_traded, 3);
  assert.equal(r.trades.length, 0); // the Long on c0 came before trading started
  assert.equal(r.from, 2 * H);
});

Deno.test("scenario: bad or out-of-order candles stop the run with the candle named", () => {
  const good = parseCandlesCsv(CANDLES);
  for (
    const bad of [
      [good[0], good[2], good[1]],
      [good[0], { ...good[1], high: Number.NaN }],
      [good[0], { ...good[1], low: -1 }],
    ]
  ) {
    const { source } = scripted({});
    // The scripted source does not validate: the run loop itself must refuse.
    assert.throws(
      () =>
        runBacktest({
          symbol: "BTC",
          interval: "1h",
          candles: bad,
          series: source,
          config: parseBacktestConfig({}),
        }),
      (e) => e instanceof BacktestInputError && /candle 2 of 2|candle 3 of 3/.test(e.message),
    );
  }
});
