/**
 * What a record derives from its category scores alone — the total, the bias and the confidence —
 * remembered per score vector. Category scores are small integers in practice (clamped sums of
 * integer indicator scores), so a series sees a few hundred distinct vectors; looking one up is a
 * handful of loads and one well-predicted branch, where computing it is a chain of
 * data-dependent branches (signs, thresholds, alignment) the CPU mispredicts candle after candle.
 * @module
 */
import type { Bias, Direction } from "../signal.ts";
import { confidence, type ConfidencePlan } from "./confidence.ts";
import { biasOf, directionOf, totalScore } from "./score.ts";
import type { Scoring, Thresholds } from "./strategy.ts";

/** Entries of the direct-mapped table: 2^BITS, indexed by a multiplicative hash of the key. */
const BITS = 10;
const SIZE = 1 << BITS;
const HASH = 0x9e3779b1 | 0;

/** Offset making a score in [−8, 7] a digit in [0, 16) of the vector's key. */
const OFFSET = 8;
const BASE = 16;

/** Categories whose key (one base-16 digit each) stays an exact double. */
const MAX_CATEGORIES = 13;

/** The biases by index, as the table's byte column holds them. */
export const BIASES: readonly Bias[] = [
  "StrongBearish",
  "Bearish",
  "Neutral",
  "Bullish",
  "StrongBullish",
];
/** The direction of each bias, by the same index. */
export const DIRECTIONS: readonly Direction[] = BIASES.map(directionOf);

/**
 * The score-derived parts of a record, computed by the score rules or remembered. An answer is an
 * entry of the table's columns ({@linkcode totals}, {@linkcode confidences}, {@linkcode biases}),
 * read by the caller straight from the typed arrays.
 */
export class ScoreMemo {
  readonly #clamps: readonly (readonly [number, number])[];
  readonly #weights: Float64Array;
  readonly #scoring: Scoring;
  readonly #thresholds: Thresholds;
  readonly #confidence: ConfidencePlan;
  readonly #enabled: boolean;
  /** Per entry: the vector's key (−1: empty). */
  readonly #keys = new Float64Array(SIZE + 1).fill(-1);
  /**
   * Per entry: total, confidence and bias index ({@linkcode BIASES}). Entry `SIZE`, which no key
   * hashes to, holds the answer for a vector that is not remembered.
   */
  readonly totals: Float64Array = new Float64Array(SIZE + 1);
  readonly confidences: Float64Array = new Float64Array(SIZE + 1);
  readonly biases: Uint8Array = new Uint8Array(SIZE + 1);

  constructor(
    clamps: readonly (readonly [number, number])[],
    weights: Float64Array,
    scoring: Scoring,
    thresholds: Thresholds,
    plan: ConfidencePlan,
  ) {
    this.#clamps = clamps;
    this.#weights = weights;
    this.#scoring = scoring;
    this.#thresholds = thresholds;
    this.#confidence = plan;
    this.#enabled = clamps.length <= MAX_CATEGORIES;
  }

  /**
   * The entry answering the vector `scores`, looked up or computed (and remembered). A vector
   * with a score that is not an integer in [−8, 7] is computed every time.
   */
  find(scores: Float64Array): number {
    let key = 0;
    let exact = 1;
    for (let k = 0; k < scores.length; k++) {
      const score = scores[k];
      const d = score + OFFSET;
      // 1 while every score is an integer and every digit in [0, 16) (`| 0` and `& 15` truncate
      // anything else; the score itself is checked, as adding the offset can round a tiny
      // fraction away).
      exact &= +((score | 0) === score) & +(d === (d & (BASE - 1)));
      key = key * BASE + d;
    }
    const at = Math.imul(key, HASH) >>> (32 - BITS);
    if (exact === 1 && this.#enabled && this.#keys[at] === key) return at;
    return this.#compute(scores, exact === 1 && this.#enabled ? key : -1, at);
  }

  /** The score rules themselves (a miss): into entry `at` when `key` is one, else entry SIZE. */
  #compute(scores: Float64Array, key: number, at: number): number {
    const total = totalScore(scores, this.#clamps, this.#weights, this.#scoring);
    const conf = confidence(scores, this.#confidence);
    const bias = BIASES.indexOf(biasOf(total, this.#thresholds));
    if (key < 0) at = SIZE;
    else this.#keys[at] = key;
    this.totals[at] = total;
    this.confidences[at] = conf;
    this.biases[at] = bias;
    return at;
  }
}
