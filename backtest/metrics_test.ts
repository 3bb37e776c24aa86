import assert from "node:assert/strict";
import { performance, tradeStats, YEAR_MS } from "./metrics.ts";
import type { Trade } from "./model.ts";

const D = 86_400_000;

function near(a: number | null, b: number, what: string): void {
  assert.ok(
    a !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)),
    `${what}: ${a} ≠ ${b}`,
  );
}

Deno.test("performance: hand-computed daily curve 100 → 110 → 99 → 121", () => {
  const p = performance([100, 110, 99, 121], [0, D, 2 * D, 3 * D], D);
  // Returns +10 %, −10 %, +22.2… %; two-pass sample statistics written out independently.
  const r = [0.1, -0.1, 121 / 99 - 1];
  const mean = (r[0] + r[1] + r[2]) / 3;
  const sd = Math.sqrt(((r[0] - mean) ** 2 + (r[1] - mean) ** 2 + (r[2] - mean) ** 2) / 2);
  const downDev = Math.sqrt(0.01 / 3);
  near(p.total_return, 0.21, "total return");
  near(p.sharpe, mean / sd * Math.sqrt(365.25), "sharpe");
  near(p.sortino, mean / downDev * Math.sqrt(365.25), "sortino");
  near(p.max_drawdown, 0.1, "max drawdown 110 → 99");
  assert.equal(p.max_drawdown_duration_ms, 2 * D); // peak at day 1, back above it on day 3
  const cagr = Math.pow(1.21, YEAR_MS / (3 * D)) - 1;
  near(p.cagr, cagr, "cagr");
  near(p.calmar, cagr / 0.1, "calmar");
});

Deno.test("performance: one year at +50 % gives CAGR 50 %; an unrecovered drawdown lasts to the end", () => {
  const p = performance([100, 150], [0, YEAR_MS], D);
  near(p.cagr, 0.5, "cagr");
  assert.equal(p.max_drawdown, 0);
  assert.equal(p.calmar, null);
  assert.equal(p.sortino, null); // no losing period
  const q = performance([100, 90, 95], [0, D, 2 * D], D);
  near(q.max_drawdown, 0.1, "dd");
  assert.equal(q.max_drawdown_duration_ms, 2 * D);
});

Deno.test("performance: a flat curve has no Sharpe and no drawdown; bad input throws", () => {
  const p = performance([100, 100, 100], [0, D, 2 * D], D);
  assert.equal(p.sharpe, null);
  assert.equal(p.total_return, 0);
  assert.equal(p.max_drawdown_duration_ms, 0);
  assert.throws(() => performance([], [], D), RangeError);
  assert.throws(() => performance([1, 2], [0], D), RangeError);
  const ruined = performance([100, -5], [0, D], D);
  assert.equal(ruined.cagr, -1);
});

function trade(net: number, r = net / 10): Trade {
  return {
    id: 1,
    side: "Long",
    signal_time: 0,
    entry_time: 0,
    entry_price: 1,
    qty: 1,
    sl_price: 0.5,
    tp_price: null,
    exit_time: 1,
    exit_price: 1,
    exit_reason: "end_of_data",
    ambiguous: false,
    gross_pnl: net,
    fees: 0,
    funding: 0,
    net_pnl: net,
    entry_equity: 1000,
    r_multiple: r,
    bars: 1,
  };
}

Deno.test("tradeStats: win rate, profit factor, expectancy, averages, exposure", () => {
  const s = tradeStats([trade(10), trade(-5), trade(0), trade(20)], 200, 50);
  assert.equal(s.trades, 4);
  assert.equal(s.wins, 2);
  assert.equal(s.losses, 1);
  near(s.win_rate, 0.5, "win rate");
  near(s.profit_factor, 6, "profit factor 30/5");
  near(s.expectancy, 6.25, "expectancy 25/4");
  near(s.expectancy_r, 0.625, "expectancy in R");
  near(s.avg_win, 15, "avg win");
  near(s.avg_loss, -5, "avg loss");
  near(s.exposure_pct, 25, "exposure");
});

Deno.test("tradeStats: no trades and no losers give nulls, not Infinity", () => {
  const none = tradeStats([], 0, 0);
  assert.equal(none.win_rate, null);
  assert.equal(none.expectancy, null);
  assert.equal(none.exposure_pct, 0);
  const allWin = tradeStats([trade(3)], 10, 1);
  assert.equal(allWin.profit_factor, null);
  assert.equal(allWin.avg_loss, null);
});
