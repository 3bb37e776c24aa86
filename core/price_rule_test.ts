import assert from "node:assert/strict";
import fc from "fast-check";
import { decimalExponent, exactPriceRule, roundToDecimals, sigFigPriceRule } from "./price_rule.ts";

Deno.test("decimalExponent is exact at and around powers of ten", () => {
  const table: [number, number][] = [
    [1, 0],
    [9.999999, 0],
    [10, 1],
    [1000, 3],
    [999.9999999, 2],
    [1e-3, -3],
    [0.00099999, -4],
    [123456, 5],
    [1e15, 15],
  ];
  for (const [x, e] of table) assert.equal(decimalExponent(x), e, String(x));
});

Deno.test("Hyperliquid examples (5 sig figs, 6 − szDecimals decimals)", () => {
  const sz0 = sigFigPriceRule(5, 6);
  const sz1 = sigFigPriceRule(5, 5);
  const sz4 = sigFigPriceRule(5, 2);
  const sz5 = sigFigPriceRule(5, 1);
  // Already valid prices are unchanged in every direction.
  for (
    const [rule, px] of [[sz0, 1234.5], [sz0, 0.001234], [sz1, 0.01234], [sz5, 123456]] as const
  ) {
    for (const dir of ["down", "up", "nearest"] as const) {
      assert.equal(
        rule.roundPrice(px, dir),
        px,
      );
    }
  }
  assert.equal(sz0.roundPrice(1234.56, "down"), 1234.5);
  assert.equal(sz0.roundPrice(1234.56, "up"), 1234.6);
  assert.equal(sz0.roundPrice(1234.56, "nearest"), 1234.6);
  assert.equal(sz0.roundPrice(0.0012345, "down"), 0.001234);
  assert.equal(sz0.roundPrice(0.0012345, "up"), 0.001235);
  assert.equal(sz1.roundPrice(0.012345, "down"), 0.01234);
  assert.equal(sz5.roundPrice(113080.4, "up"), 113081);
  assert.equal(sz4.roundPrice(3650.04, "up"), 3650.1);
  assert.equal(sz4.roundPrice(3650.04, "down"), 3650);
  assert.equal(sz0.roundPrice(0.00160049, "down"), 0.0016); // kPEPE: tick 1e-6
  assert.equal(sz0.roundPrice(99999.7, "up"), 100000);
  assert.equal(sz0.roundPrice(9.99996, "up"), 10);
  assert.equal(sz0.roundPrice(0.0000001, "down"), 0.000001); // never rounds to zero
});

Deno.test("sigFigPriceRule rejects bad parameters and bad prices", () => {
  assert.throws(() => sigFigPriceRule(0, 6), RangeError);
  assert.throws(() => sigFigPriceRule(5, -1), RangeError);
  assert.throws(() => sigFigPriceRule(5.5, 6), RangeError);
  const r = sigFigPriceRule(5, 6);
  for (const px of [0, -1, NaN, Infinity]) assert.throws(() => r.roundPrice(px, "up"), RangeError);
  assert.equal(exactPriceRule.roundPrice(1.23456789, "up"), 1.23456789);
});

Deno.test("property: rounded prices obey the rule, the direction, and move less than a tick", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1e-5, max: 1e7, noNaN: true }),
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom("down" as const, "up" as const, "nearest" as const),
      (px, sz, dir) => {
        const maxDec = 6 - sz;
        const r = sigFigPriceRule(5, maxDec).roundPrice(px, dir);
        assert.ok(r > 0);
        // Decimals: at most maxDec; significant figures: at most 5 unless an integer.
        const s = String(r); // shortest round-trip decimal, never exponent form in this range
        const decimals = s.includes(".") ? s.split(".")[1].length : 0;
        assert.ok(decimals <= maxDec, `${px} → ${r}: ${decimals} decimals > ${maxDec}`);
        if (!Number.isInteger(r)) {
          const digits = s.replace(".", "").replace(/^0+/, "").length;
          assert.ok(digits <= 5, `${px} → ${r}: ${digits} significant figures`);
        }
        const tick = Math.max(10 ** (decimalExponent(px) - 4), 10 ** -maxDec);
        const clampedTick = px >= 1e4 ? Math.max(tick, 1) : tick;
        if (dir === "down" && px >= 10 ** -maxDec) assert.ok(r <= px * (1 + 1e-12), `${px} → ${r}`);
        if (dir === "up") assert.ok(r >= px * (1 - 1e-12), `${px} → ${r}`);
        if (px >= 10 ** -maxDec) {
          assert.ok(
            Math.abs(r - px) <= clampedTick * (1 + 1e-9),
            `${px} → ${r} (tick ${clampedTick})`,
          );
        }
      },
    ),
    { numRuns: 5000 },
  );
});

Deno.test("roundToDecimals keeps values already on the grid despite float scaling noise", () => {
  assert.equal(roundToDecimals(99.99, 2, "down"), 99.99); // 99.99 × 100 = 9998.999999999998
  assert.equal(roundToDecimals(1.005, 2, "up"), 1.01);
  assert.equal(roundToDecimals(0.3, 1, "up"), 0.3);
});
