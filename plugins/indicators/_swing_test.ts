import assert from "node:assert/strict";
import fc from "fast-check";
import { type DivergenceCode, SwingDivergence } from "./_swing.ts";

/**
 * The module doc's definition over the whole history, with no ring and no shortcuts: bar m is a
 * swing low when its low is strictly below the `k` lows before it and not above the `k` after
 * it (highs mirrored); it is reported on bar m + k against the previous pivot of its kind when
 * that one is at most `lookback` bars older. NaN indicator bars are no pivots.
 */
function naive(
  lows: number[],
  highs: number[],
  ind: number[],
  k: number,
  lookback: number,
): DivergenceCode[] {
  const out: DivergenceCode[] = [];
  let low: { bar: number; price: number; ind: number } | undefined;
  let high: { bar: number; price: number; ind: number } | undefined;
  for (let t = 0; t < lows.length; t++) {
    const m = t - k;
    if (m - k < 0) {
      out.push(0);
      continue;
    }
    const range = Array.from({ length: k }, (_, i) => i + 1);
    const isLow = !Number.isNaN(ind[m]) &&
      range.every((d) => lows[m] < lows[m - d] && !(lows[m] > lows[m + d]));
    const isHigh = !Number.isNaN(ind[m]) &&
      range.every((d) => highs[m] > highs[m - d] && !(highs[m] < highs[m + d]));
    let bullish = false;
    let bearish = false;
    if (isLow) {
      if (low && m - low.bar <= lookback) bullish = lows[m] < low.price && ind[m] > low.ind;
      low = { bar: m, price: lows[m], ind: ind[m] };
    }
    if (isHigh) {
      if (high && m - high.bar <= lookback) bearish = highs[m] > high.price && ind[m] < high.ind;
      high = { bar: m, price: highs[m], ind: ind[m] };
    }
    out.push(bullish === bearish ? 0 : bullish ? 1 : -1);
  }
  return out;
}

Deno.test("SwingDivergence: same codes as the definition on tie-heavy random bars", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }), // past 8: the early stop
      fc.integer({ min: 1, max: 30 }),
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 6 }),
          fc.integer({ min: 0, max: 3 }),
          fc.oneof(fc.integer({ min: -4, max: 4 }), fc.constant(NaN)),
        ),
        { minLength: 0, maxLength: 160 },
      ),
      (k, lookback, bars) => {
        const lows = bars.map(([l]) => l);
        const highs = bars.map(([l, h]) => l + h);
        const ind = bars.map(([, , v]) => v);
        const s = new SwingDivergence(k, lookback);
        const got = bars.map((_, i) => {
          const code = s.update(lows[i], highs[i], ind[i]);
          assert.equal(s.code, code, "code mirrors the return value");
          return code;
        });
        assert.deepEqual(got, naive(lows, highs, ind, k, lookback));
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("SwingDivergence: a lower low with a higher indicator is bullish, on the confirming bar", () => {
  // Swing lows at bars 3 (low 5, indicator 1) and 9 (low 4, indicator 2); strength 2 confirms
  // each two bars later. Highs stay flat, so there is no swing high.
  const lows = [9, 8, 7, 5, 7, 8, 9, 8, 6, 4, 6, 8];
  const ind = [0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0];
  const s = new SwingDivergence(2, 40);
  const codes = lows.map((l, i) => s.update(l, 10, ind[i]));
  assert.deepEqual(codes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  const far = new SwingDivergence(2, 5); // pivots 6 bars apart: too far
  assert.deepEqual(lows.map((l, i) => far.update(l, 10, ind[i])).at(-1), 0);
});

Deno.test("SwingDivergence: rejects bad strength and lookback", () => {
  assert.throws(() => new SwingDivergence(0, 10), RangeError);
  assert.throws(() => new SwingDivergence(2, 0), RangeError);
  assert.throws(() => new SwingDivergence(1.5, 10), RangeError);
});
