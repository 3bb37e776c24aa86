import assert from "node:assert/strict";
import { runBatch } from "perptrix";
import { loadCandles } from "../../tests/data.ts";
import rsi from "./rsi.ts";
import { bars, play, ramp, repeat, where } from "./_test_bars.ts";

Deno.test("rsi: defaults and parameter validation", () => {
  assert.deepEqual(rsi.params.parse({}), {
    period: 14,
    oversold: 30,
    overbought: 70,
    swingStrength: 3,
    divergenceLookback: 40,
  });
  assert.throws(() => rsi.params.parse({ oversold: 80, overbought: 70 }));
  assert.throws(() => rsi.params.parse({ period: 1 }));
  assert.equal(rsi.warmup(rsi.params.parse({})), 15);
});

Deno.test("rsi: StockCharts' published Wilder RSI(14) example", () => {
  // StockCharts "Relative Strength Index" ChartSchool table. It was computed from closes with
  // more decimals than the two it prints, hence the 0.08 tolerance; a non-Wilder smoothing or
  // another seed is off by whole points.
  const closes = [
    44.34,
    44.09,
    44.15,
    43.61,
    44.33,
    44.83,
    45.10,
    45.42,
    45.84,
    46.08,
    45.89,
    46.03,
    45.61,
    46.28,
    46.28,
    46.00,
    46.03,
    46.41,
    46.22,
    45.64,
    46.21,
    46.25,
    45.71,
    46.45,
    45.78,
    45.35,
    44.03,
    44.18,
    44.22,
    44.57,
    43.42,
    42.66,
    43.13,
  ];
  const published = [
    70.53,
    66.32,
    66.55,
    69.41,
    66.36,
    57.97,
    62.93,
    63.26,
    56.06,
    62.38,
    54.71,
    50.42,
    39.99,
    41.46,
    41.87,
    45.46,
    37.30,
    33.08,
    37.77,
  ];
  const r = runBatch(rsi, bars(closes));
  for (let i = 0; i < 14; i++) assert.equal(r.rsi[i], null);
  published.forEach((v, j) => {
    const got = r.rsi[14 + j]!;
    assert.ok(Math.abs(got - v) < 0.08, `row ${14 + j}: ${got} vs published ${v}`);
  });
});

Deno.test("rsi: hand-checked period 2 values", () => {
  // d = +1, +1, −1, 0: seed avgGain (1+1)/2 = 1, avgLoss 0 → 100; then gain (1·1+0)/2 = 0.5,
  // loss (0·1+1)/2 = 0.5 → 50; then gain 0.25, loss 0.25 → 50.
  const r = runBatch(rsi, bars([1, 2, 3, 2, 2]), { period: 2 });
  assert.deepEqual(r.rsi, [null, null, 100, 50, 50]);
});

Deno.test("rsi: a flat market is defined (0, as TA-Lib) and Neutral, not Oversold", () => {
  const { state, states } = play(rsi, bars(repeat(100, 40)));
  assert.equal(state.values().rsi, 0);
  assert.ok(states.every((s) => s === "Neutral"));
});

Deno.test("rsi: steady rises are Overbought, steady falls Oversold", () => {
  const up = play(rsi, bars(ramp(100, 1, 30)));
  assert.equal(up.state.rsi, 100);
  assert.deepEqual(up.states.slice(14), repeat("Overbought", 16));
  assert.equal(up.signals[20].score, -1);
  assert.equal(up.signals[20].reason, "RSI overbought");
  const down = play(rsi, bars(ramp(100, -1, 30)));
  assert.equal(down.state.rsi, 0);
  assert.deepEqual(down.states.slice(14), repeat("Oversold", 16));
  assert.equal(down.signals[20].score, 1);
  const mid = play(rsi, bars([...ramp(100, 1, 20), ...ramp(119, -1, 10)]));
  assert.equal(mid.states[29], "Neutral"); // 19 gains then 10 equal losses: RSI in (30, 70)
});

// Warm-up chop, a plunge of 4 per bar to 80 (RSI crushed), a bounce to 90, a slow drift of 1 per
// bar to a slightly lower low 79.8 (RSI much less oversold), then a recovery.
const chop = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 100 : 100.5));
const plunge = [96, 92, 88, 84, 80];
const bounce = [82, 84, 86, 88, 90];
const drift = [89, 88, 87, 86, 85, 84, 83, 82, 81, 80.5, 79.8];
const recover = [81, 82, 83, 84, 85];
const bullishSeries = [...chop, ...plunge, ...bounce, ...drift, ...recover];
const secondLow = chop.length + plunge.length + bounce.length + drift.length - 1;

Deno.test("rsi: price lower low with RSI higher low is a bullish divergence", () => {
  const { states, signals, state } = play(rsi, bars(bullishSeries));
  const r = runBatch(rsi, bars(bullishSeries)).rsi;
  const firstLow = chop.length + plunge.length - 1;
  assert.ok(r[secondLow]! > r[firstLow]!, "the construction gives a higher RSI low");
  // Confirmed once the 3 bars after the second low exist.
  assert.deepEqual(where(states, "BullishDivergence"), [secondLow + 3]);
  assert.equal(where(states, "BearishDivergence").length, 0);
  const s = signals[secondLow + 3];
  assert.equal(s.score, 2);
  assert.equal(s.reason, "RSI bullish divergence");
  assert.equal(s.risk?.(0), -1);
  assert.equal(state.count, bullishSeries.length);
});

Deno.test("rsi: the mirror image is a bearish divergence", () => {
  const { states, signals } = play(rsi, bars(bullishSeries.map((x) => 200 - x)));
  assert.deepEqual(where(states, "BearishDivergence"), [secondLow + 3]);
  assert.equal(where(states, "BullishDivergence").length, 0);
  assert.equal(signals[secondLow + 3].score, -2);
  assert.equal(signals[secondLow + 3].risk?.(5), -1);
});

Deno.test("rsi: no divergence when the two lows are further apart than the lookback", () => {
  const { states } = play(rsi, bars(bullishSeries), { divergenceLookback: 10 });
  assert.equal(where(states, "BullishDivergence").length, 0);
});

Deno.test("rsi: regime slices read as their regime", () => {
  const count = (file: string, s: string) => where(play(rsi, loadCandles(file)).states, s).length;
  const up = "regimes/uptrend-2024-02-27_2024-03-05-binance-btcusdt-perp-5m.csv";
  const crash = "regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv";
  assert.ok(count(up, "Overbought") > 2 * count(up, "Oversold"));
  assert.ok(count(crash, "Oversold") > 2 * count(crash, "Overbought"));
  const oneMinute = "regimes/crash-2021-05-19-binance-btcusdt-spot-1m.csv";
  assert.ok(count(oneMinute, "BullishDivergence") > 0);
  assert.ok(count(oneMinute, "BearishDivergence") > 0);
});
