import assert from "node:assert/strict";
import { type Candle, runBatch } from "perptrix";
import { loadCandles } from "../../tests/data.ts";
import atr from "./atr.ts";
import { play, where } from "./_test_bars.ts";

/** Bars with the given true ranges: each closes where it opened, range `tr` around 100. */
function ranges(trs: readonly number[]): Candle[] {
  return trs.map((tr, i) => ({
    time: 1_000 + i,
    open: 100,
    high: 100 + tr / 2,
    low: 100 - tr / 2,
    close: 100,
    volume: 1,
  }));
}

Deno.test("atr: defaults and parameter validation", () => {
  assert.deepEqual(atr.params.parse({}), {
    period: 14,
    regimeLookback: 50,
    high: 1.5,
    elevated: 1.1,
    low: 0.7,
  });
  assert.throws(() => atr.params.parse({ low: 1.2 }));
  assert.equal(atr.warmup(atr.params.parse({})), 15);
});

Deno.test("atr: true range from the second bar, mean seed, then Wilder (hand-worked)", () => {
  // Same bars as the SuperTrend example: TR = 1.5, 1.5 → seed 1.5; TR 2 → 1.75; TR 2.5 → 2.125.
  const hlc = [[10, 9, 9.5], [11, 10, 10.5], [12, 11, 11.5], [12, 10, 10.2], [10.5, 8, 8.2]];
  const candles = hlc.map(([high, low, close], i) => ({
    time: i + 1,
    open: close,
    high,
    low,
    close,
    volume: 1,
  }));
  const r = runBatch(atr, candles, { period: 2 });
  assert.deepEqual(r.atr, [null, null, 1.5, 1.75, 2.125]);
  // The first bar's high − low (1) is not a true range: a seed including it would give 1.25.
});

Deno.test("atr: a constant range is Normal (ratio exactly 1), not a knife-edge", () => {
  const { states, state } = play(atr, ranges(new Array(120).fill(1)));
  assert.equal(state.ratio, 1);
  for (let i = 0; i < 64; i++) assert.equal(states[i], "Neutral", `warm-up bar ${i}`);
  assert.ok(states.slice(64).every((s) => s === "Normal"));
});

Deno.test("atr: a range spike is High (risk +2), a smaller one Elevated", () => {
  // After 100 bars of TR 1: TR 10 → ATR (13 + 10)/14 = 1.64 > 1.5; TR 4 → 17/14 = 1.21.
  const high = play(atr, ranges([...new Array(100).fill(1), 10]));
  assert.ok(Math.abs(high.state.atr - 23 / 14) < 1e-12);
  assert.equal(high.states[100], "High");
  assert.equal(high.signals[100].score, 0);
  assert.equal(high.signals[100].risk?.(0), 2);
  assert.equal(high.signals[100].reason, "High volatility - reduce size");
  const elevated = play(atr, ranges([...new Array(100).fill(1), 4]));
  assert.equal(elevated.states[100], "Elevated");
  assert.equal(elevated.signals[100].risk, undefined);
});

Deno.test("atr: ranges shrinking to a fifth are Low", () => {
  const { states, signals } = play(
    atr,
    ranges([...new Array(100).fill(1), ...new Array(20).fill(0.2)]),
  );
  const low = where(states, "Low");
  assert.ok(low.length > 0 && low[0] < 115, `first Low at ${low[0]}`);
  assert.equal(signals[low[0]].reason, "Low volatility - breakout potential");
});

Deno.test("atr: a flat market has ATR 0 and ratio 1", () => {
  const { state, states } = play(atr, ranges(new Array(80).fill(0)));
  assert.deepEqual(state.values(), { atr: 0, ratio: 1 });
  assert.equal(states[79], "Normal");
});

Deno.test("atr: the widest bar of each BTC crash day is High volatility", () => {
  // The regime is relative to the ATR's own recent baseline, so it marks the onset of a range
  // expansion (a quiet week's burst counts too), and a crash's biggest bar is the clearest one.
  for (
    const f of [
      "crash-2020-03-12-binance-btcusdt-spot-5m.csv",
      "crash-2021-05-19-binance-btcusdt-spot-1m.csv",
      "crash-2024-08-05-binance-btcusdt-spot-1m.csv",
      "crash-2025-10-10-binance-btcusdt-perp-5m.csv",
    ]
  ) {
    const c = loadCandles(`regimes/${f}`);
    let widest = 1;
    let widestTr = -1;
    for (let i = 1; i < c.length; i++) {
      const pc = c[i - 1].close;
      const tr = Math.max(c[i].high - c[i].low, Math.abs(c[i].high - pc), Math.abs(c[i].low - pc));
      if (tr > widestTr) [widest, widestTr] = [i, tr];
    }
    const { states } = play(atr, c);
    assert.equal(states[widest], "High", `${f}: bar ${widest}`);
  }
});
