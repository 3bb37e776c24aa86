import assert from "node:assert/strict";
import { runBatch } from "perptrix";
import { loadCandles } from "../../tests/data.ts";
import bollinger from "./bollinger.ts";
import { bars, play, ramp, repeat, where } from "./_test_bars.ts";

const alternating = (a: number, b: number, n: number) =>
  Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b));

Deno.test("bollinger: defaults and parameter validation", () => {
  assert.deepEqual(bollinger.params.parse({}), {
    period: 20,
    stdDev: 2,
    squeezeLookback: 120,
    squeezePercentile: 0.2,
  });
  assert.throws(() => bollinger.params.parse({ squeezePercentile: 1 }));
  assert.throws(() => bollinger.params.parse({ stdDev: -1 }));
});

Deno.test("bollinger: closes 1..20 give mean 10.5 and population σ² = (20²−1)/12", () => {
  const r = runBatch(bollinger, bars(ramp(1, 1, 21)));
  for (let i = 0; i < 19; i++) assert.equal(r.middle[i], null);
  const sigma = Math.sqrt(399 / 12);
  const near = (a: number | null, e: number) => assert.ok(Math.abs(a! - e) < 1e-12, `${a} ≠ ${e}`);
  near(r.middle[19], 10.5);
  near(r.upper[19], 10.5 + 2 * sigma);
  near(r.lower[19], 10.5 - 2 * sigma);
  near(r.width[19], (4 * sigma) / 10.5);
  near(r.middle[20], 11.5); // 2..21: same spread
  near(r.upper[20], 11.5 + 2 * sigma);
});

Deno.test("bollinger: σ is 0 below TA-Lib's variance floor and in a flat market", () => {
  const tiny = runBatch(bollinger, bars(alternating(100, 100 + 1e-8, 25)));
  assert.equal(tiny.upper[24], tiny.middle[24]); // variance 2.5e-17 < 1e-14
  const flat = play(bollinger, bars(repeat(100, 200)));
  assert.deepEqual(flat.state.values(), { upper: 100, middle: 100, lower: 100, width: 0 });
  // A width that never changes ranks in the middle of its history: not a squeeze.
  assert.ok(flat.states.every((s) => s === "Neutral"));
});

Deno.test("bollinger: closes beyond the bands are breakouts", () => {
  const up = play(bollinger, bars([...alternating(100, 102, 40), 110]));
  assert.equal(up.states[40], "UpperBreakout");
  assert.equal(up.signals[40].score, 1);
  assert.equal(up.signals[40].reason, "Price broke above Bollinger upper");
  const down = play(bollinger, bars([...alternating(100, 102, 40), 92]));
  assert.equal(down.states[40], "LowerBreakout");
  assert.equal(down.signals[40].score, -1);
});

Deno.test("bollinger: after a spike, shrinking bands around the middle are mean reversion", () => {
  const closes = [...alternating(100, 102, 40), 110, 101, 101];
  const { states, signals } = play(bollinger, bars(closes));
  assert.equal(states[40], "UpperBreakout");
  // Bar 41 swaps a 102 for a 101: the same spread around the mean 101.5, so not shrinking.
  assert.equal(states[41], "Neutral");
  // Bar 42 swaps a 100 for a 101: the spread shrinks, and 101 is within 0.5σ (≈1.08) of 101.5.
  assert.equal(states[42], "MeanReversion");
  assert.equal(signals[42].reason, "Bollinger mean reversion");
});

Deno.test("bollinger: a close just under the upper band walks the band", () => {
  // Window 9×100, 10×102, 103.2: mean 101.16, σ 1.08, upper 103.32; 103.2 ≥ 103.32 − 0.2σ.
  const { states, state, signals } = play(bollinger, bars([...alternating(100, 102, 40), 103.2]));
  assert.ok(Math.abs(state.sigma - 1.08) < 1e-12);
  assert.equal(states[40], "WalkingBands");
  assert.equal(signals[40].reason, "Walking the bands - strong trend");
});

Deno.test("bollinger: narrowing bands after a wide history are a squeeze", () => {
  const closes = [...alternating(95, 105, 150), ...alternating(99.9, 100.1, 40)];
  const { states, signals } = play(bollinger, bars(closes));
  assert.equal(where(states, "Squeeze").length > 0, true);
  assert.equal(states[189], "Squeeze");
  assert.equal(signals[189].score, 0);
  assert.equal(signals[189].reason, "Bollinger Squeeze - breakout setup");
  // During the wide part the width is constant: no squeeze there.
  assert.equal(where(states.slice(0, 150), "Squeeze").length, 0);
});

Deno.test("bollinger: squeezes are a minority of bars on real regimes, breakouts exist", () => {
  for (
    const f of [
      "regimes/sideways-2023-07-25_2023-08-01-binance-btcusdt-perp-5m.csv",
      "regimes/crash-2021-05-19-binance-btcusdt-spot-1m.csv",
    ]
  ) {
    const { states } = play(bollinger, loadCandles(f));
    const squeeze = where(states, "Squeeze").length / states.length;
    assert.ok(squeeze > 0.05 && squeeze < 0.3, `${f}: squeeze share ${squeeze}`);
    assert.ok(where(states, "UpperBreakout").length > 0);
    assert.ok(where(states, "LowerBreakout").length > 0);
    assert.ok(where(states, "MeanReversion").length > 0);
    assert.ok(where(states, "WalkingBands").length > 0);
  }
});

Deno.test("bollinger: a sub-cent coin gets the same bands and states as its price × 2^30", () => {
  // Scaling by a power of two is exact in floating point, so every sum, mean and σ scales
  // exactly: only an absolute variance floor could tell the two series apart (σ ≈ 1e-7 here).
  const k = 2 ** -30;
  const real = loadCandles("regimes/sideways-2023-07-25_2023-08-01-binance-btcusdt-perp-5m.csv");
  const tiny = real.map((c) => ({
    ...c,
    open: c.open * k,
    high: c.high * k,
    low: c.low * k,
    close: c.close * k,
  }));
  const a = play(bollinger, real);
  const b = play(bollinger, tiny);
  assert.ok(b.state.close < 1e-4, "a meme-coin price");
  assert.deepEqual(b.states, a.states);
  assert.equal(b.state.upper, a.state.upper * k);
  assert.equal(b.state.width, a.state.width);
});
