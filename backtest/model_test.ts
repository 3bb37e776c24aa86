import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import type { Direction } from "../core/signal.ts";
import { parseBacktestConfig } from "./config.ts";
import { SettlementCursor } from "./funding.ts";
import { type TradeSignal, TradingModel } from "./model.ts";

const H = 3_600_000;

function bar(i: number, open: number, high: number, low: number, close: number): Candle {
  return { time: i * H, open, high, low, close, volume: 1 };
}

function sig(i: number, direction: Direction, sl: number | null, tp: number | null): TradeSignal {
  return { time: i * H, direction, sl_pct: sl, tp_pct: tp };
}

function near(actual: number, expected: number, what: string, eps = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= eps * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} ≠ ${expected}`,
  );
}

/** Feeds candles and the signal of each (by index) the way run.ts does. */
function drive(
  m: TradingModel,
  candles: Candle[],
  signals: (TradeSignal | undefined)[],
): number[] {
  const equity: number[] = [];
  for (let i = 0; i < candles.length; i++) {
    m.onCandle(candles[i]);
    const s = signals[i];
    if (s) m.onSignal(s, candles[i]);
    equity.push(m.equityAt(candles[i].close));
  }
  m.finish();
  return equity;
}

Deno.test("model: no position, no cost without a signal", () => {
  const m = new TradingModel(parseBacktestConfig({}), H);
  drive(m, [bar(0, 100, 101, 99, 100), bar(1, 100, 101, 99, 100)], []);
  assert.equal(m.trades.length, 0);
  assert.equal(m.cash, 10_000);
  assert.equal(m.totals.bars_in_market, 0);
});

Deno.test("model: hand-checked scenario — TP, funding both ways, ambiguous candle, reversal, end of data", () => {
  // Hyperliquid base-tier fees, no slippage, 1 % risk, 10× cap. Settlement times carry the
  // venue's few-ms jitter after the hour, as in the recorded data.
  const cfg = parseBacktestConfig({ risk_pct: 1, max_leverage: 10, slippage_bps: 0 });
  assert.equal(cfg.taker_fee, 0.00045);
  assert.equal(cfg.maker_fee, 0.00015);
  const funding = new SettlementCursor([
    { time: 1 * H + 48, rate: 0.0001 },
    { time: 2 * H + 30, rate: -0.0002 },
    { time: 3 * H + 10, rate: 0.0001 },
    { time: 4 * H + 5, rate: 0.00005 },
    { time: 5 * H + 7, rate: 0.0001 },
    { time: 6 * H + 9, rate: -0.0001 },
    { time: 7 * H + 3, rate: 0.01 }, // after the last candle: never applied
  ]);
  const candles = [
    bar(0, 100, 101, 99, 100),
    bar(1, 100, 102, 99, 101),
    bar(2, 101, 105, 100, 104),
    bar(3, 104, 104.5, 103, 103.5),
    bar(4, 103.5, 106, 101, 105),
    bar(5, 105, 106, 104, 105.5),
    bar(6, 106, 107, 105.5, 106.5),
  ];
  const signals = [
    sig(0, "Long", 2, 4),
    sig(1, "Neutral", null, null),
    sig(2, "Short", 1, 2),
    sig(3, "Short", 1, 2), // same side while short: ignored
    sig(4, "Long", 2, null),
    sig(5, "Short", 1, 3),
  ];
  const m = new TradingModel(cfg, H, funding);
  drive(m, candles, signals);
  const [t1, t2, t3, t4] = m.trades;
  assert.equal(m.trades.length, 4);

  // Trade 1: long at c1's open 100. qty = 1 % of 10 000 / (100 × 2 %) = 50; SL 98, TP 104.
  // Fee in 50 × 100 × 0.045 % = 2.25. Funding at 1h: pays 50 × 100 × 0.0001 = 0.5; at 2h
  // receives 50 × 101 × 0.0002 = 1.01. c2's high 105 reaches the TP: limit fill at 104, maker
  // fee 50 × 104 × 0.015 % = 0.78. Gross 50 × 4 = 200; net 200 − 3.03 + 0.51 = 197.48.
  assert.equal(t1.side, "Long");
  assert.equal(t1.signal_time, 0);
  assert.equal(t1.entry_time, 1 * H);
  near(t1.entry_price, 100, "t1 entry");
  near(t1.qty, 50, "t1 qty");
  near(t1.sl_price, 98, "t1 sl");
  near(t1.tp_price!, 104, "t1 tp");
  assert.equal(t1.exit_reason, "take_profit");
  assert.equal(t1.exit_time, 2 * H);
  near(t1.exit_price, 104, "t1 exit");
  near(t1.gross_pnl, 200, "t1 gross");
  near(t1.fees, 3.03, "t1 fees");
  near(t1.funding, -0.51, "t1 funding");
  near(t1.net_pnl, 197.48, "t1 net");
  near(t1.r_multiple, 1.9748, "t1 R");
  assert.equal(t1.bars, 2);
  const equity2 = 10_197.48;

  // Trade 2: short at c3's open 104 with equity 10 197.48: risk 101.9748, stop distance 1.04
  // → qty 98.0527…; SL 105.04, TP 101.92. Fee in = 101.9748 × 100 × 0.045 % = 4.588866.
  // Funding: 3h receives qty × 104 × 0.0001 = 1.019748; 4h receives qty × 103.5 × 0.00005.
  // c4 (open 103.5, high 106, low 101) touches both: SL first, at 105.04, ambiguous.
  const q2 = 101.9748 / 1.04;
  assert.equal(t2.side, "Short");
  near(t2.qty, q2, "t2 qty");
  near(t2.sl_price, 105.04, "t2 sl");
  near(t2.tp_price!, 101.92, "t2 tp");
  assert.equal(t2.exit_reason, "stop_loss");
  assert.equal(t2.ambiguous, true);
  near(t2.exit_price, 105.04, "t2 exit");
  near(t2.gross_pnl, -101.9748, "t2 gross");
  const fee2 = 4.588866 + q2 * 105.04 * 0.00045;
  near(t2.fees, fee2, "t2 fees");
  const fund2 = -(1.019748 + q2 * 103.5 * 0.00005);
  near(t2.funding, fund2, "t2 funding");
  near(t2.net_pnl, -101.9748 - fee2 - fund2, "t2 net");
  near(t2.r_multiple, (-101.9748 - fee2 - fund2) / 101.9748, "t2 R");
  const equity4 = equity2 + t2.net_pnl;

  // Trade 3: long at c5's open 105, SL 2 % = 102.9, no TP. Funding at 5h pays qty × 105 × 0.0001.
  // c5's short signal closes it at c6's open 106 (taker) and reverses.
  const q3 = equity4 * 0.01 / 2.1;
  assert.equal(t3.side, "Long");
  near(t3.qty, q3, "t3 qty");
  assert.equal(t3.tp_price, null);
  assert.equal(t3.exit_reason, "opposite_signal");
  assert.equal(t3.exit_time, 6 * H);
  near(t3.exit_price, 106, "t3 exit");
  near(t3.gross_pnl, q3, "t3 gross");
  near(t3.fees, q3 * 105 * 0.00045 + q3 * 106 * 0.00045, "t3 fees");
  near(t3.funding, q3 * 105 * 0.0001, "t3 funding");
  const equity6 = equity4 + t3.net_pnl;

  // Trade 4: short at c6's open 106 (SL 107.06, TP 102.82, neither touched); the 6h settlement
  // of −0.0001 makes the short pay; closed at the end of data at c6's close 106.5 (taker).
  const q4 = equity6 * 0.01 / 1.06;
  assert.equal(t4.side, "Short");
  assert.equal(t4.entry_time, 6 * H);
  near(t4.qty, q4, "t4 qty");
  near(t4.sl_price, 107.06, "t4 sl");
  near(t4.tp_price!, 102.82, "t4 tp");
  assert.equal(t4.exit_reason, "end_of_data");
  assert.equal(t4.exit_time, 7 * H);
  near(t4.gross_pnl, -q4 * 0.5, "t4 gross");
  near(t4.funding, q4 * 106 * 0.0001, "t4 funding");
  near(t4.fees, q4 * 106 * 0.00045 + q4 * 106.5 * 0.00045, "t4 fees");

  // Totals and the cash identity: final equity = start + Σ net PnL.
  const sum = m.trades.reduce((a, t) => a + t.net_pnl, 0);
  near(m.cash, 10_000 + sum, "cash identity");
  near(m.totals.fees, t1.fees + t2.fees + t3.fees + t4.fees, "total fees");
  near(m.totals.funding_paid, 0.5 + t3.funding + t4.funding, "funding paid");
  near(m.totals.funding_received, 1.01 - fund2, "funding received");
  assert.equal(m.totals.ambiguous_candles, 1);
  assert.equal(m.totals.bars, 7);
  assert.equal(m.totals.bars_in_market, 6); // c1..c6
  assert.equal(m.totals.slippage, 0);
});

Deno.test("model: slippage is adverse on taker fills and absent on limit take-profits", () => {
  const cfg = parseBacktestConfig({ slippage_bps: 10, max_leverage: 100 });
  const m = new TradingModel(cfg, H);
  drive(m, [
    bar(0, 100, 100, 100, 100),
    bar(1, 100, 100.5, 99.9, 100.2), // long fills at 100.1
    bar(2, 100.2, 110, 100.1, 105), // TP at 100.1 × 1.04 = 104.104, limit: no slippage
  ], [sig(0, "Long", 1, 4)]);
  const t = m.trades[0];
  near(t.entry_price, 100.1, "entry with slippage");
  near(t.exit_price, 100.1 * 1.04, "limit TP");
  near(m.totals.slippage, t.qty * 0.1, "slippage cost");
});

Deno.test("model: a gap through the stop fills at the open, not at the stop", () => {
  const cfg = parseBacktestConfig({ slippage_bps: 0 });
  const m = new TradingModel(cfg, H);
  drive(m, [
    bar(0, 100, 100, 100, 100),
    bar(1, 100, 100.5, 99, 99.5), // long at 100, SL 98
    bar(2, 95, 96, 94, 95), // opens below the stop
  ], [sig(0, "Long", 2, 4)]);
  const t = m.trades[0];
  assert.equal(t.exit_reason, "stop_loss");
  assert.equal(t.ambiguous, false);
  near(t.exit_price, 95, "gap fill");
  near(t.gross_pnl, -t.qty * 5, "gap loss");
});

Deno.test("model: size is capped by max leverage", () => {
  const cfg = parseBacktestConfig({ risk_pct: 5, max_leverage: 2, slippage_bps: 0 });
  const m = new TradingModel(cfg, H);
  // 5 % risk over a 0.5 % stop would be 10× notional; the cap keeps it at 2× = 200 units.
  drive(m, [bar(0, 100, 100, 100, 100), bar(1, 100, 100, 100, 100)], [sig(0, "Long", 0.5, 1)]);
  near(m.trades[0].qty, 200, "capped qty");
  assert.equal(m.totals.leverage_capped, 1);
});

Deno.test("model: signal_close entry fills at the signal candle's close and waits a candle for stops", () => {
  const cfg = parseBacktestConfig({ entry: "signal_close", slippage_bps: 0 });
  const m = new TradingModel(cfg, H);
  drive(m, [
    bar(0, 100, 100, 90, 100), // the low is before the entry: must not stop it out
    bar(1, 100, 100.5, 99.5, 100.2),
  ], [sig(0, "Long", 2, 4)]);
  const t = m.trades[0];
  assert.equal(t.entry_time, 1 * H);
  near(t.entry_price, 100, "entry at close");
  assert.equal(t.exit_reason, "end_of_data");
  assert.equal(t.bars, 1);
});

Deno.test("model: signals without a stop are skipped and counted; reverse can be disabled", () => {
  const m = new TradingModel(parseBacktestConfig({ reverse_on_opposite: false }), H);
  drive(m, [
    bar(0, 100, 100, 100, 100),
    bar(1, 100, 100, 100, 100),
    bar(2, 100, 100, 100, 100),
    bar(3, 100, 100, 100, 100),
  ], [
    sig(0, "Long", null, null),
    sig(1, "Long", 2, 4),
    sig(2, "Short", 2, 4),
  ]);
  assert.equal(m.totals.skipped_no_stop, 1);
  assert.equal(m.trades.length, 1);
  assert.equal(m.trades[0].exit_reason, "opposite_signal");
  assert.equal(m.side, 0);
});

Deno.test("model: a pending entry at the end of data is dropped and counted", () => {
  const m = new TradingModel(parseBacktestConfig({}), H);
  drive(m, [bar(0, 100, 100, 100, 100)], [sig(0, "Long", 2, 4)]);
  assert.equal(m.trades.length, 0);
  assert.equal(m.totals.unfilled_at_end, 1);
});

Deno.test("model: settlements in a data gap are charged only while the position is open", () => {
  const cfg = parseBacktestConfig({ slippage_bps: 0, taker_fee: 0, maker_fee: 0 });
  const funding = new SettlementCursor([
    { time: 0, rate: 0.5 }, // before entry: not charged
    { time: 3 * H, rate: 0.001 }, // inside the gap between c1 and c5: charged at c5's open
  ]);
  const m = new TradingModel(cfg, H, funding);
  drive(m, [
    bar(0, 100, 100, 100, 100),
    bar(1, 100, 100, 100, 100),
    bar(5, 100, 100, 100, 100),
  ], [sig(0, "Long", 2, 4)]);
  near(m.trades[0].funding, 50 * 100 * 0.001, "gap funding");
});

Deno.test("model: ruin stops trading", () => {
  const cfg = parseBacktestConfig({ risk_pct: 100, max_leverage: 100, slippage_bps: 0 });
  const m = new TradingModel(cfg, H);
  drive(m, [
    bar(0, 100, 100, 100, 100),
    bar(1, 100, 100, 100, 100), // long, qty 10 000 (all equity risked over a 1 % stop)
    bar(2, 50, 50, 50, 50), // gap to 50: loses 500 000 > equity
    bar(3, 50, 50, 50, 50),
  ], [sig(0, "Long", 1, 4), undefined, sig(2, "Long", 1, 4)]);
  assert.equal(m.totals.ruined, true);
  assert.equal(m.trades.length, 1);
  assert.ok(m.cash <= 0);
});

Deno.test("model: an entry below the minimum order value ($10 on Hyperliquid) is skipped and counted", () => {
  // Equity 100, 1 % risk = 1; a 20 % stop at 100 is 20 away → qty 0.05, notional 5 < 10.
  const cfg = parseBacktestConfig({ initial_equity: 100, slippage_bps: 0 });
  assert.equal(cfg.min_notional, 10);
  const candles = [
    bar(0, 100, 100, 100, 100),
    bar(1, 100, 100, 100, 100),
    bar(2, 100, 100, 100, 100),
  ];
  const m = new TradingModel(cfg, H);
  drive(m, candles, [sig(0, "Long", 20, null), sig(1, "Long", 2, null)]);
  assert.equal(m.totals.entry_signals, 2);
  assert.equal(m.totals.skipped_min_notional, 1);
  // The 2 % stop gives qty 0.5, notional 50: traded.
  assert.equal(m.trades.length, 1);
  near(m.trades[0].qty, 0.5, "qty");
  assert.equal(m.trades[0].entry_time, 2 * H);
  // min_notional 0 trades the dust too.
  const m0 = new TradingModel(parseBacktestConfig({ initial_equity: 100, min_notional: 0 }), H);
  drive(m0, candles.slice(0, 2), [sig(0, "Long", 20, null)]);
  assert.equal(m0.trades.length, 1);
  assert.equal(m0.totals.skipped_min_notional, 0);
});

Deno.test("model: equity below ruin_pct of the start is ruin: no entry after it", () => {
  // 99.6 % risked over a 1 % stop, no costs: the stop at 99 leaves 40 of 10 000 (0.4 %), above
  // zero but below the default 1 % threshold. The Long on c3 must not be traded.
  const candles = [
    bar(0, 100, 100, 100, 100),
    bar(1, 100, 100, 100, 100), // long at 100, qty 9 960, SL 99
    bar(2, 100, 100, 98, 98), // stop at 99: −9 960
    bar(3, 100, 100, 100, 100),
    bar(4, 100, 100, 100, 100),
  ];
  const signals = [sig(0, "Long", 1, null), undefined, undefined, sig(3, "Long", 1, null)];
  const settings = {
    risk_pct: 99.6,
    max_leverage: 100,
    slippage_bps: 0,
    taker_fee: 0,
    maker_fee: 0,
  };
  const m = new TradingModel(parseBacktestConfig(settings), H);
  drive(m, candles, signals);
  assert.equal(m.trades.length, 1);
  near(m.cash, 40, "cash after the stop");
  assert.equal(m.totals.ruined, true);
  assert.equal(m.totals.ruined_at, 2 * H);
  assert.equal(m.totals.entry_signals, 1); // the Long after ruin is not even attempted
  assert.equal(m.totals.unfilled_at_end, 0);
  // With ruin_pct 0 only zero equity is ruin: the second Long trades 40 × 99.6 % / 1 = 39.84.
  const m0 = new TradingModel(parseBacktestConfig({ ...settings, ruin_pct: 0 }), H);
  drive(m0, candles, signals);
  assert.equal(m0.totals.ruined, false);
  assert.equal(m0.totals.ruined_at, null);
  assert.equal(m0.trades.length, 2);
  near(m0.trades[1].qty, 39.84, "qty after the loss");
});
