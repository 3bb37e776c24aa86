import assert from "node:assert/strict";
import fc from "fast-check";
import { RollingMoments } from "./_rolling_moments.ts";
import { RollingMean } from "./_rolling_mean.ts";

function twoPass(win: readonly number[]) {
  const mean = win.reduce((a, b) => a + b, 0) / win.length;
  return { mean, variance: win.reduce((a, x) => a + (x - mean) ** 2, 0) / win.length };
}

Deno.test("RollingMoments and RollingMean agree with a two-pass computation", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 25 }),
      fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 120 }),
      (n, xs) => {
        const m = new RollingMoments(n);
        const avg = new RollingMean(n);
        xs.forEach((x, i) => {
          m.push(x);
          avg.push(x);
          if (i + 1 < n) {
            assert.ok(Number.isNaN(m.variance) && Number.isNaN(avg.value));
            return;
          }
          const ref = twoPass(xs.slice(i + 1 - n, i + 1));
          // Sliding updates round relative to the largest value seen since the last exact
          // recompute (at most 2n inputs back), not relative to σ.
          const big = Math.max(...xs.slice(Math.max(0, i + 1 - 2 * n), i + 1));
          assert.ok(Math.abs(m.mean - ref.mean) <= 1e-13 * n * big);
          assert.ok(Math.abs(avg.value - ref.mean) <= 1e-13 * n * big);
          assert.ok(Math.abs(m.variance - ref.variance) <= 1e-13 * n * big * big);
        });
      },
    ),
  );
});

Deno.test("RollingMoments keeps cents-level σ exact on a 100k price over a million updates", () => {
  // The case where running sums of squares fail: σ ≈ 0.005 on 100 000.
  const m = new RollingMoments(20);
  const win: number[] = [];
  let x = 100_000;
  let seed = 7;
  for (let i = 0; i < 1_000_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    x += ((seed / 2147483648) - 0.5) * 0.01;
    m.push(x);
    if (i >= 999_980) win.push(x);
  }
  const ref = twoPass(win);
  assert.ok(
    Math.abs(Math.sqrt(m.variance) - Math.sqrt(ref.variance)) <
      1e-9 * Math.sqrt(ref.variance) + 1e-12,
  );
});
