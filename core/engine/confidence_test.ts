import assert from "node:assert/strict";
import { confidence, type ConfidencePlan } from "./confidence.ts";

// Category positions: 0 trend, 1 momentum, 2 volatility, 3 volume, 4 perp (seed plan).
const SEED: ConfidencePlan = {
  members: [0, 1, 3, 4],
  maxMagnitude: 10,
  aligned: [0, 1],
  boost: 1.2,
  penalty: 0.8,
};

Deno.test("seed confidence formula: table of the spec's examples and edge cases", () => {
  // [trend, momentum, volatility, volume, perp] → confidence
  const table: [number[], number, string][] = [
    [[3, 3, 0, 2, 2], 1, "all max, aligned: 1.2 capped at 1"],
    [[2, 0, 0, 2, -1], 0.32, "§3.3 example: base 4/10, not aligned (M = 0) × 0.8"],
    [[0, 0, 0, 0, 1], 0.08, "§3.3 example: base 0.1 × 0.8"],
    [[2, 1, 0, 2, 1], 0.72, "§8.4 volatile row: base 0.6 aligned × 1.2"],
    [[0, 0, 0, 0, 2], 0.16, "§8.4 downtrend extreme funding row"],
    [[-3, -2, 0, 0, 0], 0.6, "bearish alignment boosts too"],
    [[3, -3, 0, 0, 0], 0.24, "opposed trend/momentum: max(3, 3)/10 × 0.8"],
    [[0, 0, 2, 0, 0], 0, "volatility is not a member"],
    [[1, 1, 0, -2, -2], 0.48, "negatives dominate: 4/10 × 1.2 (direction-independent)"],
    [[0, 0, 0, 0, 0], 0, "nothing: zero"],
    [[1, 1, 0, 0, 0], 0.24, "0.2 × 1.2"],
    [[1, 0, 0, 1, 1], 0.24, "0.3 × 0.8"],
  ];
  for (const [scores, want, why] of table) {
    assert.equal(confidence(scores, SEED), want, `${scores}: ${why}`);
  }
});

Deno.test("confidence is rounded to 4 decimals and stays in [0, 1]", () => {
  const plan = { ...SEED, maxMagnitude: 3, members: [0], aligned: [] };
  assert.equal(confidence([1], plan), 0.3333);
  assert.equal(confidence([2], plan), 0.6667);
  assert.equal(confidence([9], { ...plan, boost: 5 }), 1);
});

Deno.test("no aligned categories means no boost and no penalty; zero max means zero", () => {
  const plan = { ...SEED, aligned: [] };
  assert.equal(confidence([2, 0, 0, 2, 1], plan), 0.5);
  assert.equal(confidence([2, 0, 0, 2, 1], { ...plan, maxMagnitude: 0 }), 0);
});
