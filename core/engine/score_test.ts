import assert from "node:assert/strict";
import { biasOf, clampScore, directionOf, normaliseScore, totalScore } from "./score.ts";
import { INTEGER_THRESHOLDS, WEIGHTED_THRESHOLDS } from "./strategy.ts";

Deno.test("bias and position at every seed boundary (7/3/-3/-7 inclusive outward)", () => {
  const table: [number, string, string][] = [
    [12, "StrongBullish", "Long"],
    [7, "StrongBullish", "Long"],
    [6, "Bullish", "Long"],
    [3, "Bullish", "Long"],
    [2, "Neutral", "Neutral"],
    [0, "Neutral", "Neutral"],
    [-2, "Neutral", "Neutral"],
    [-3, "Bearish", "Short"],
    [-6, "Bearish", "Short"],
    [-7, "StrongBearish", "Short"],
    [-12, "StrongBearish", "Short"],
  ];
  for (const [s, bias, dir] of table) {
    const b = biasOf(s, INTEGER_THRESHOLDS);
    assert.equal(b, bias, `score ${s}`);
    assert.equal(directionOf(b), dir, `score ${s}`);
  }
});

Deno.test("custom thresholds are honoured, including fractional ones", () => {
  const t = { strong_long: 0.58, long: 0.25, short: -0.25, strong_short: -0.58 };
  assert.equal(biasOf(0.25, t), "Bullish");
  assert.equal(biasOf(0.2499, t), "Neutral");
  assert.equal(biasOf(0.58, t), "StrongBullish");
  assert.equal(biasOf(-0.25, t), "Bearish");
  assert.equal(biasOf(-0.2499, t), "Neutral");
  assert.equal(biasOf(-0.58, t), "StrongBearish");
  assert.deepEqual(t, WEIGHTED_THRESHOLDS);
});

Deno.test("clampScore clamps inclusively", () => {
  assert.equal(clampScore(4, [-3, 3]), 3);
  assert.equal(clampScore(-5, [-2, 2]), -2);
  assert.equal(clampScore(1, [-2, 2]), 1);
  assert.equal(clampScore(-3, [-3, 3]), -3);
});

Deno.test("normaliseScore maps each side of an asymmetric clamp onto ±1", () => {
  assert.equal(normaliseScore(3, [-3, 3]), 1);
  assert.equal(normaliseScore(-1, [-2, 2]), -0.5);
  assert.equal(normaliseScore(1, [-4, 2]), 0.5);
  assert.equal(normaliseScore(-2, [-4, 2]), -0.5);
  assert.equal(normaliseScore(0, [-4, 2]), 0);
  assert.equal(normaliseScore(1, [0, 0]), 0);
});

Deno.test("integer total is the plain sum; weighted total is Σ w × s/max", () => {
  const clamps: [number, number][] = [[-3, 3], [-3, 3], [-2, 2], [-2, 2], [-2, 2]];
  const w = [0.25, 0.30, 0.15, 0.15, 0.15];
  const s = [3, -1, 2, 1, -2];
  assert.equal(totalScore(s, clamps, w, "integer"), 3);
  // 0.25·1 + 0.30·(−1/3) + 0.15·1 + 0.15·0.5 + 0.15·(−1) = 0.25 − 0.1 + 0.15 + 0.075 − 0.15
  assert.equal(totalScore(s, clamps, w, "weighted"), 0.225);
  assert.equal(totalScore([3, 3, 2, 2, 2], clamps, w, "weighted"), 1);
  assert.equal(totalScore([-3, -3, -2, -2, -2], clamps, w, "weighted"), -1);
});

Deno.test("weighted total is rounded so float noise cannot miss an exact threshold", () => {
  // 0.1 + 0.2 style noise: 0.15·(1/2)·... sums that land on 0.25 exactly in decimal.
  const clamps: [number, number][] = [[-2, 2], [-2, 2], [-3, 3]];
  const w = [0.15, 0.15, 0.7];
  const t = totalScore([1, 1, 0.3], clamps, w, "weighted"); // 0.075 + 0.075 + 0.07 = 0.22
  assert.equal(t, 0.22);
  assert.equal(
    totalScore([2, 1, 0], [[-2, 2], [-2, 2], [-3, 3]], [0.1, 0.2, 0.7], "weighted"),
    0.2,
  );
});
