import assert from "node:assert/strict";
import { runBatch } from "perptrix";
import { loadCandles } from "../../tests/data.ts";
import macd from "./macd.ts";
import { bars, play, ramp, repeat, where } from "./_test_bars.ts";

const close = (a: number, e: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${a} ≠ ${e}`);

Deno.test("macd: defaults and parameter validation", () => {
  assert.deepEqual(macd.params.parse({}), { fast: 12, slow: 26, signal: 9 });
  assert.throws(() => macd.params.parse({ fast: 26, slow: 12 }));
  assert.throws(() => macd.params.parse({ fast: 1.5 }));
  assert.equal(macd.warmup(macd.params.parse({})), 34);
});

Deno.test("macd: TA-Lib seeds the fast EMA at row 25 with SMA(close[14..25]) (closed form)", () => {
  // 14 closes of 100 then 200s: TA-Lib's fast EMA starts at 200 on row 25 and stays there; the
  // slow EMA starts at SMA(close[0..25]) = 3800/26 and closes the gap by 25/27 per bar. So the
  // line is (1400/26)·(25/27)^(t−25), and the signal is seeded with the mean of line[25..33].
  const closes = [...repeat(100, 14), ...repeat(200, 30)];
  const r = runBatch(macd, bars(closes));
  const q = 25 / 27;
  const line = (t: number) => (1400 / 26) * q ** (t - 25);
  for (let t = 0; t < 33; t++) assert.equal(r.macd[t], null);
  let seed = 0;
  for (let t = 25; t <= 33; t++) seed += line(t) / 9;
  close(r.macd[33]!, line(33));
  close(r.signal[33]!, seed);
  close(r.hist[33]!, line(33) - seed);
  const sig34 = seed + 0.2 * (line(34) - seed);
  close(r.signal[34]!, sig34);
  close(r.hist[34]!, line(34) - sig34);
  // An EMA12 seeded at row 11 would still be 200 − 100·(11/13)^14 ≈ 190 here: far off.
  assert.ok(Math.abs(r.macd[33]! - (line(33) - 100 * (11 / 13) ** 22)) > 1);
});

Deno.test("macd: on a ramp of slope 1 the line is the EMA lag difference (26−12)/2 = 7", () => {
  const r = runBatch(macd, bars(ramp(100, 1, 80)));
  for (let t = 33; t < 80; t++) {
    close(r.macd[t]!, 7);
    close(r.signal[t]!, 7);
    assert.ok(Math.abs(r.hist[t]!) < 1e-9);
  }
});

Deno.test("macd: a jump up gives BullishCross, then BullishMomentum, later a BearishCross", () => {
  const closes = [...repeat(100, 60), ...repeat(110, 60)];
  const { states, signals } = play(macd, bars(closes));
  for (let i = 0; i < 60; i++) assert.equal(states[i], "Neutral", `bar ${i}`);
  assert.equal(states[60], "BullishCross");
  assert.equal(signals[60].score, 2);
  assert.equal(signals[60].reason, "MACD bullish cross");
  assert.equal(states[61], "BullishMomentum");
  assert.equal(signals[61].score, 1);
  const bear = where(states, "BearishCross");
  assert.equal(bear.length, 1, "the line falls back through the lagging signal once");
  assert.ok(bear[0] > 61);
  assert.equal(where(states, "BullishCross").length, 1);
  // After the peak the line is positive but falling: neither momentum state.
  assert.equal(states[bear[0] + 1], "Neutral");
});

Deno.test("macd: a drop gives BearishCross, then BearishMomentum, later a BullishCross", () => {
  const closes = [...repeat(100, 60), ...repeat(90, 60)];
  const { states, signals } = play(macd, bars(closes));
  assert.equal(states[60], "BearishCross");
  assert.equal(signals[60].score, -2);
  assert.equal(states[61], "BearishMomentum");
  assert.equal(signals[61].score, -1);
  assert.equal(where(states, "BullishCross").length, 1);
});

Deno.test("macd: warm-up and the first published bar are Neutral", () => {
  const { states } = play(macd, bars(ramp(100, 1, 40)));
  for (let i = 0; i <= 33; i++) assert.equal(states[i], "Neutral");
  // Row 33 is the first with a line and a signal; a cross also needs the previous pair.
});

Deno.test("macd: crosses alternate and momentum follows the trend on regime slices", () => {
  const up = play(
    macd,
    loadCandles("regimes/uptrend-2024-02-27_2024-03-05-binance-btcusdt-perp-5m.csv"),
  );
  const down = play(
    macd,
    loadCandles("regimes/downtrend-2022-05-05_2022-05-12-luna-binance-btcusdt-spot-5m.csv"),
  );
  for (const run of [up, down]) {
    let last = "";
    for (const s of run.states) {
      if (s === "BullishCross" || s === "BearishCross") {
        assert.notEqual(s, last, "two crosses the same way without one the other way");
        last = s;
      }
    }
  }
  const count = (r: typeof up, s: string) => where(r.states, s).length;
  assert.ok(count(up, "BullishMomentum") > 1.5 * count(up, "BearishMomentum"));
  assert.ok(count(down, "BearishMomentum") > 1.5 * count(down, "BullishMomentum"));
});
