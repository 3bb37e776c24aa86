import assert from "node:assert/strict";
import fc from "fast-check";
import { SlidingExtremes } from "./_sliding_extremes.ts";

Deno.test("SlidingExtremes: min low and max high of the last n bars, as a naive scan", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.array(
        fc.tuple(fc.integer({ min: -20, max: 20 }), fc.double({ min: 0, max: 5, noNaN: true })),
        { minLength: 1, maxLength: 300, size: "max" },
      ),
      (cap, bars) => {
        const x = new SlidingExtremes(cap);
        bars.forEach(([low, range], t) => {
          x.push(t % cap, low, low + range);
          const win = bars.slice(Math.max(0, t + 1 - cap), t + 1);
          assert.equal(x.min, Math.min(...win.map(([l]) => l)));
          assert.equal(x.max, Math.max(...win.map(([l, r]) => l + r)));
          assert.equal(x.lows[t % cap], low);
          assert.equal(x.highs[t % cap], low + range);
        });
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("SlidingExtremes: a trend keeps its extremes at the window's old end", () => {
  // Rising bars: the lowest low is always the oldest bar's, the highest high the newest's.
  const x = new SlidingExtremes(5);
  for (let t = 0; t < 23; t++) {
    x.push(t % 5, t, t + 2);
    assert.equal(x.min, Math.max(0, t - 4));
    assert.equal(x.max, t + 2);
  }
});

Deno.test("SlidingExtremes: rejects a bad capacity", () => {
  assert.throws(() => new SlidingExtremes(0), RangeError);
  assert.throws(() => new SlidingExtremes(2.5), RangeError);
});
