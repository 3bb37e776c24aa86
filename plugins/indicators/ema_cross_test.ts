import assert from "node:assert/strict";
import { runBatch } from "perptrix";
import { loadCandles } from "../../tests/data.ts";
import emaCross from "./ema_cross.ts";
import { bars, play, repeat, where } from "./_test_bars.ts";

Deno.test("ema_cross: defaults and parameter validation", () => {
  assert.deepEqual(emaCross.params.parse({}), { fast: 20, slow: 50 });
  assert.throws(() => emaCross.params.parse({ fast: 50, slow: 20 }));
  assert.equal(emaCross.warmup(emaCross.params.parse({})), 50);
});

Deno.test("ema_cross: StockCharts' published 10-day EMA (SMA seed, k = 2/11)", () => {
  const closes = [
    22.27,
    22.19,
    22.08,
    22.17,
    22.18,
    22.13,
    22.23,
    22.43,
    22.24,
    22.29,
    22.15,
    22.39,
    22.38,
    22.61,
    23.36,
    24.05,
    23.75,
    23.83,
    23.95,
    23.63,
    23.82,
    23.87,
    23.65,
    23.19,
    23.10,
    23.33,
    22.68,
    23.10,
    22.40,
    22.17,
  ];
  const published = [
    22.22,
    22.21,
    22.24,
    22.27,
    22.33,
    22.52,
    22.80,
    22.97,
    23.13,
    23.28,
    23.34,
    23.43,
    23.51,
    23.54,
    23.47,
    23.40,
    23.39,
    23.26,
    23.23,
    23.08,
    22.92,
  ];
  const r = runBatch(emaCross, bars(closes), { fast: 10, slow: 11 });
  for (let i = 0; i < 9; i++) assert.equal(r.fast[i], null);
  published.forEach((v, j) => {
    const got = r.fast[9 + j]!;
    // Printed to 2 decimals from unrounded source data (row 22 prints 23.54; the printed closes
    // give 23.5335), hence 0.01. A close[0]-seeded EMA is off by more than that for 10+ rows.
    assert.ok(Math.abs(got - v) <= 0.01, `row ${9 + j}: ${got} vs published ${v}`);
  });
  assert.equal(r.slow[9], null);
  assert.equal(r.slow[10], closes.slice(0, 11).reduce((a, b) => a + b) / 11);
});

Deno.test("ema_cross: a step up is a golden cross, then a strong uptrend", () => {
  const { states, signals } = play(emaCross, bars([...repeat(100, 60), ...repeat(110, 30)]));
  for (let i = 0; i < 60; i++) assert.equal(states[i], "Neutral", `bar ${i}`);
  assert.equal(states[60], "BullishCross");
  assert.equal(signals[60].score, 2);
  assert.equal(signals[60].reason, "Golden Cross EMA20/50");
  assert.equal(states[61], "StrongUptrend");
  assert.equal(signals[61].score, 1);
  assert.equal(where(states, "BearishCross").length, 0);
});

Deno.test("ema_cross: a step down is a death cross, then a strong downtrend", () => {
  const { states, signals } = play(emaCross, bars([...repeat(100, 60), ...repeat(90, 30)]), {
    fast: 5,
    slow: 10,
  });
  assert.equal(states[60], "BearishCross");
  assert.equal(signals[60].reason, "Death Cross EMA5/10");
  assert.equal(states[61], "StrongDowntrend");
  assert.equal(signals[61].score, -1);
});

Deno.test("ema_cross: a flat market is Neutral with defined EMAs", () => {
  const { state, states } = play(emaCross, bars(repeat(100, 80)));
  assert.deepEqual(state.values(), { fast: 100, slow: 100 });
  assert.ok(states.every((s) => s === "Neutral"));
});

Deno.test("ema_cross: regime slices read as their regime; crosses alternate", () => {
  const files = {
    up: "regimes/uptrend-2024-02-27_2024-03-05-binance-btcusdt-perp-5m.csv",
    down: "regimes/downtrend-2026-01-30_2026-02-06-binance-btcusdt-perp-5m.csv",
  };
  const up = play(emaCross, loadCandles(files.up)).states;
  const down = play(emaCross, loadCandles(files.down)).states;
  const n = (s: string[], name: string) => where(s, name).length;
  assert.ok(n(up, "StrongUptrend") > 2 * n(up, "StrongDowntrend"));
  assert.ok(n(down, "StrongDowntrend") > 1.5 * n(down, "StrongUptrend"));
  for (const s of [up, down]) {
    const crosses = s.filter((x) => x.endsWith("Cross"));
    crosses.forEach((x, i) => i > 0 && assert.notEqual(x, crosses[i - 1]));
  }
});
