import assert from "node:assert/strict";
import { runBatch } from "perptrix";
import { loadCandles } from "../../tests/data.ts";
import obv from "./obv.ts";
import { bars, play, ramp, repeat, where } from "./_test_bars.ts";

Deno.test("obv: defaults", () => {
  assert.deepEqual(obv.params.parse({}), {
    smoothing: 0.1,
    swingStrength: 3,
    divergenceLookback: 40,
  });
  assert.throws(() => obv.params.parse({ smoothing: 0 }));
});

Deno.test("obv: starts at the first volume, then ± volume by close direction", () => {
  const r = runBatch(obv, bars([10, 11, 11, 10, 12], { volume: [5, 3, 4, 2, 7] }));
  assert.deepEqual(r.obv, [5, 8, 8, 6, 13]);
});

Deno.test("obv: confirmation scores +1 on an up move and −1 on a down move", () => {
  const up = play(obv, bars(ramp(100, 1, 10)));
  assert.equal(up.states[0], "Neutral");
  assert.equal(up.states[5], "Confirmation");
  assert.equal(up.signals[5].score, 1);
  assert.equal(up.signals[5].reason, "Volume confirms price action");
  const down = play(obv, bars(ramp(100, -1, 10)));
  assert.equal(down.states[5], "Confirmation");
  assert.equal(down.signals[5].score, -1, "confirming a sell-off is bearish (original: +1)");
});

Deno.test("obv: a flat market is Neutral", () => {
  const { states, state } = play(obv, bars(repeat(100, 30), { volume: 3 }));
  assert.equal(state.obv, 3);
  assert.ok(states.every((s) => s === "Neutral"));
});

// Heavy selling into the first low, light selling into a lower second low: OBV's second low is
// higher (−11 vs −50 from the bounce top's view), price's is lower.
const chop = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 100 : 100.5));
const plunge = [96, 92, 88, 84, 80];
const bounce = [82, 84, 86, 88, 90];
const drift = [89, 88, 87, 86, 85, 84, 83, 82, 81, 80.5, 79.8];
const recover = [81, 82, 83, 84, 85];
const closes = [...chop, ...plunge, ...bounce, ...drift, ...recover];
const volume = [
  ...repeat(1, chop.length),
  ...repeat(10, plunge.length + bounce.length),
  ...repeat(1, drift.length + recover.length),
];
const secondLow = chop.length + plunge.length + bounce.length + drift.length - 1;

Deno.test("obv: price lower low with OBV higher low is a bullish divergence", () => {
  const { states, signals } = play(obv, bars(closes, { volume }));
  assert.deepEqual(where(states, "BullishDivergence"), [secondLow + 3]);
  assert.equal(signals[secondLow + 3].score, 2);
  assert.equal(signals[secondLow + 3].reason, "OBV bullish divergence");
  assert.equal(where(states, "BearishDivergence").length, 0);
});

Deno.test("obv: the mirror image is a bearish divergence", () => {
  const { states, signals } = play(obv, bars(closes.map((x) => 200 - x), { volume }));
  assert.deepEqual(where(states, "BearishDivergence"), [secondLow + 3]);
  assert.equal(signals[secondLow + 3].score, -2);
});

Deno.test("obv: equal volumes on both legs give no divergence", () => {
  const { states } = play(obv, bars(closes, { volume: 1 }));
  assert.equal(where(states, "BullishDivergence").length, 0);
});

Deno.test("obv: confirmation follows the regime on real slices", () => {
  const score = (f: string) => play(obv, loadCandles(f)).signals.reduce((s, x) => s + x.score, 0);
  assert.ok(score("regimes/uptrend-2024-02-27_2024-03-05-binance-btcusdt-perp-5m.csv") > 0);
  assert.ok(score("regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv") < 0);
});
