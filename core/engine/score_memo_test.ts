import assert from "node:assert/strict";
import { confidence, type ConfidencePlan } from "./confidence.ts";
import { biasOf, directionOf, totalScore } from "./score.ts";
import { BIASES, DIRECTIONS, ScoreMemo } from "./score_memo.ts";
import { INTEGER_THRESHOLDS, type Scoring, WEIGHTED_THRESHOLDS } from "./strategy.ts";

// Seed layout: trend, momentum, volatility, volume, perp.
const CLAMPS: [number, number][] = [[-3, 3], [-3, 3], [-2, 2], [-2, 2], [-2, 2]];
const WEIGHTS = Float64Array.from([0.3, 0.25, 0.15, 0.15, 0.15]);
const PLAN: ConfidencePlan = {
  members: [0, 1, 3, 4],
  maxMagnitude: 10,
  aligned: [0, 1],
  boost: 1.2,
  penalty: 0.8,
};

function memoFor(scoring: Scoring, clamps = CLAMPS, weights = WEIGHTS, plan = PLAN) {
  const thresholds = scoring === "integer" ? INTEGER_THRESHOLDS : WEIGHTED_THRESHOLDS;
  const memo = new ScoreMemo(clamps, weights, scoring, thresholds, plan);
  /** Asserts the memo's answer for `v` is the score rules' own. */
  const check = (v: number[], why: string) => {
    const scores = Float64Array.from(v);
    const at = memo.find(scores);
    const total = totalScore(scores, clamps, weights, scoring);
    const bias = biasOf(total, thresholds);
    const got = memo.totals[at];
    assert.ok(Object.is(got, total), `${why} ${v}: total ${got} ≠ ${total}`);
    assert.equal(BIASES[memo.biases[at]], bias, `${why} ${v}`);
    assert.equal(DIRECTIONS[memo.biases[at]], directionOf(bias), `${why} ${v}`);
    const conf = confidence(scores, plan);
    const gotConf = memo.confidences[at];
    assert.ok(Object.is(gotConf, conf), `${why} ${v}: confidence ${gotConf} ≠ ${conf}`);
  };
  return check;
}

/** Every vector of `n` integer scores in [lo, hi], in order. */
function* grid(n: number, lo: number, hi: number): Generator<number[]> {
  if (n === 0) {
    yield [];
    return;
  }
  for (const rest of grid(n - 1, lo, hi)) for (let s = lo; s <= hi; s++) yield [...rest, s];
}

Deno.test("every integer vector, twice (misses, hits, colliding entries): the rules' answers", () => {
  for (const scoring of ["integer", "weighted"] as const) {
    const check = memoFor(scoring);
    // 7^5 = 16807 vectors, far more than the table has entries: entries are overwritten often.
    for (let pass = 0; pass < 2; pass++) {
      for (const v of grid(5, -3, 3)) check(v, `${scoring} pass ${pass}`);
    }
  }
});

Deno.test("scores that are not small integers are computed, never confused with a remembered one", async () => {
  const fc = (await import("fast-check")).default;
  for (const scoring of ["integer", "weighted"] as const) {
    const check = memoFor(scoring);
    const score = fc.oneof(
      fc.integer({ min: -10, max: 10 }),
      fc.constantFrom(-0, 0.5, -2.5, 7, 8, -8, -9, 1e-9, 15, 16),
      fc.double({ min: -20, max: 20, noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(score, { minLength: 5, maxLength: 5 }), { maxLength: 20 }), (
        vs,
      ) => {
        // Each vector after a neighbour that differs in one digit, so a key that ignored a
        // digit's fraction or range would hit the neighbour's entry.
        for (const v of vs) {
          check(v.map(Math.round), scoring);
          check(v, scoring);
          check(v.map(Math.round), scoring);
        }
      }),
      { numRuns: 300 },
    );
  }
});

Deno.test("more categories than a key can hold are computed every time", () => {
  const n = 14;
  const clamps = Array.from({ length: n }, (): [number, number] => [-2, 2]);
  const weights = new Float64Array(n).fill(1 / n);
  const plan = { ...PLAN, members: [0, 1, 2, 3], maxMagnitude: 8 };
  const check = memoFor("weighted", clamps, weights, plan);
  for (let i = 0; i < 200; i++) {
    check(Array.from({ length: n }, (_, k) => ((i * 7 + k * 3) % 5) - 2), "14 categories");
  }
});
