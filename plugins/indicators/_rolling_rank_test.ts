import assert from "node:assert/strict";
import fc from "fast-check";
import { RollingRank } from "./_rolling_rank.ts";

Deno.test("RollingRank: counts and mid-ranks match a sorted copy of the last n values", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 80 }),
      (cap, xs) => {
        const r = new RollingRank(cap);
        xs.forEach((x, i) => {
          const rank = r.push(x);
          const win = xs.slice(Math.max(0, i + 1 - cap), i + 1);
          const below = win.filter((v) => v < x).length;
          const equal = win.filter((v) => v === x).length;
          assert.equal(rank, (below + equal / 2) / win.length, "push returns the mid-rank of x");
          for (const q of [-6, -1, 0, 0.5, 3, 6]) {
            const below = win.filter((v) => v < q).length;
            const atMost = win.filter((v) => v <= q).length;
            assert.equal(r.countBelow(q), below);
            assert.equal(r.countAtMost(q), atMost);
            assert.equal(r.percentile(q), (below + (atMost - below) / 2) / win.length);
          }
        });
      },
    ),
  );
});

Deno.test("RollingRank: rejects NaN and bad capacities", () => {
  assert.throws(() => new RollingRank(0), RangeError);
  assert.throws(() => new RollingRank(2).push(NaN), RangeError);
});

Deno.test("RollingRank: random walks, jumps, ±0 and ±Infinity in long windows match a naive count", () => {
  const value = fc.oneof(
    { weight: 8, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0, Infinity, -Infinity, 1, 1) },
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 150 }),
      fc.array(fc.tuple(value, fc.boolean()), { minLength: 1, maxLength: 600, size: "max" }),
      (cap, steps) => {
        // Mostly small moves from the previous value (as a band width), sometimes a jump.
        const xs: number[] = [];
        for (const [v, jump] of steps) {
          const prev = xs.at(-1) ?? 0;
          xs.push(jump || !Number.isFinite(prev) ? v : prev + v / 1e3);
        }
        const r = new RollingRank(cap);
        xs.forEach((x, i) => {
          const win = xs.slice(Math.max(0, i + 1 - cap), i + 1);
          const below = win.filter((v) => v < x).length;
          const equal = win.filter((v) => v === x).length;
          assert.equal(r.push(x), (below + equal / 2) / win.length);
          assert.equal(r.size, win.length);
        });
      },
    ),
    { numRuns: 300 },
  );
});
