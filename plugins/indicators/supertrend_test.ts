import assert from "node:assert/strict";
import { type Candle, runBatch } from "perptrix";
import { loadCandles } from "../../tests/data.ts";
import supertrend from "./supertrend.ts";
import { bars, play, ramp, repeat, where } from "./_test_bars.ts";

Deno.test("supertrend: defaults and parameter validation", () => {
  assert.deepEqual(supertrend.params.parse({}), { period: 10, multiplier: 3 });
  assert.throws(() => supertrend.params.parse({ multiplier: 0 }));
  assert.equal(supertrend.warmup(supertrend.params.parse({})), 11);
});

// (high, low, close) bars worked by hand with period 2, multiplier 1:
//  row 2: TR 1.5, 1.5 → ATR 1.5; hl2 11.5 → bands 13 / 10; close 11.5 ≤ 13 → down, line 13.
//  row 3: TR 2 → ATR 1.75; basic 12.75 / 9.25; upper 12.75 < 13 → 12.75; lower kept 10. down.
//  row 4: TR 2.5 → ATR 2.125; basic 11.375 / 7.125; upper → 11.375; lower kept 10 (prev close
//         10.2 ≥ 10). down, line 11.375.
//  row 5: TR 4.3 → ATR 3.2125; basic 14.9625 / 8.5375; upper kept 11.375 (prev close 8.2 is not
//         above it); lower → 8.5375 (prev close 8.2 < 10). close 12.4 > 11.375 → flip up, line
//         8.5375. (Carrying with the current close, as the original did, would reset the upper
//         band to 14.9625 and never flip.)
//  row 6: TR 0.5 → ATR 1.85625; basic 14.10625 / 10.39375; lower rises to 10.39375; up.
const HAND: [number, number, number][] = [
  [10, 9, 9.5],
  [11, 10, 10.5],
  [12, 11, 11.5],
  [12, 10, 10.2],
  [10.5, 8, 8.2],
  [12.5, 11, 12.4],
  [12.5, 12, 12.2],
];
const handBars: Candle[] = HAND.map(([high, low, close], i) => ({
  time: 1_000 + i,
  open: close,
  high,
  low,
  close,
  volume: 1,
}));

Deno.test("supertrend: hand-worked bands, line and flip", () => {
  const r = runBatch(supertrend, handBars, { period: 2, multiplier: 1 });
  assert.deepEqual(r.direction, [null, null, -1, -1, -1, 1, 1]);
  const expected = [null, null, 13, 12.75, 11.375, 8.5375, 10.39375];
  r.value.forEach((v, i) => {
    if (expected[i] === null) assert.equal(v, null);
    else assert.ok(Math.abs(v! - expected[i]!) < 1e-12, `row ${i}: ${v} vs ${expected[i]}`);
  });
  const { states, signals } = play(supertrend, handBars, { period: 2, multiplier: 1 });
  assert.deepEqual(states, [
    "Neutral",
    "Neutral",
    "Bearish",
    "Bearish",
    "Bearish",
    "BullishFlip",
    "Bullish",
  ]);
  assert.equal(signals[5].score, 2);
  assert.equal(signals[5].reason, "SuperTrend flip bullish");
  assert.equal(signals[6].score, 1);
  assert.equal(signals[2].score, -1);
});

Deno.test("supertrend: an uptrend broken by a crash flips bearish", () => {
  const closes = [...ramp(100, 1, 40), 120, ...repeat(118, 5)];
  const { states, signals } = play(supertrend, bars(closes, { wick: 0.5 }));
  // The first bar is "down" by definition (its close is not above the basic upper band); the
  // ramp clears the upper band once it has risen 3·ATR + a little, and stays up.
  assert.equal(states[10], "Bearish");
  const flip = states.indexOf("BullishFlip");
  assert.ok(flip > 10 && flip < 20, `flip at ${flip}`);
  assert.ok(states.slice(flip + 1, 40).every((s) => s === "Bullish"), states.join());
  assert.equal(states[40], "BearishFlip");
  assert.equal(signals[40].score, -2);
  assert.equal(signals[40].reason, "SuperTrend flip bearish");
  assert.equal(states[41], "Bearish");
});

Deno.test("supertrend: a market that never moved is Neutral, with defined values", () => {
  const { state, states } = play(supertrend, bars(repeat(100, 30)));
  assert.deepEqual(state.values(), { value: 100, direction: -1, upper: 100, lower: 100 });
  assert.ok(states.every((s) => s === "Neutral"));
});

Deno.test("supertrend: flips happen and alternate on regime slices; trends dominate", () => {
  const n = (s: string[], a: string, b: string) => where(s, a).length + where(s, b).length;
  const up = play(
    supertrend,
    loadCandles("regimes/uptrend-2024-02-27_2024-03-05-binance-btcusdt-perp-5m.csv"),
  ).states;
  const down = play(
    supertrend,
    loadCandles("regimes/downtrend-2022-05-05_2022-05-12-luna-binance-btcusdt-spot-5m.csv"),
  ).states;
  const crash = play(
    supertrend,
    loadCandles("regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv"),
  ).states;
  assert.ok(n(up, "Bullish", "BullishFlip") > n(up, "Bearish", "BearishFlip"));
  assert.ok(n(down, "Bearish", "BearishFlip") > n(down, "Bullish", "BullishFlip"));
  assert.ok(n(crash, "Bearish", "BearishFlip") > 2 * n(crash, "Bullish", "BullishFlip"));
  for (const s of [up, down, crash]) {
    const flips = s.filter((x) => x.endsWith("Flip"));
    assert.ok(flips.length >= 4, "the standard carry flips (the original practically never did)");
    flips.forEach((x, i) => i > 0 && assert.notEqual(x, flips[i - 1]));
  }
});
