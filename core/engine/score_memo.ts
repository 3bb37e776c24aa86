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

/**
 * Entries of the table: 2^SET_BITS sets of two, a set chosen by a hash of the key (two ways, so
 * two frequent vectors that hash alike do not evict each other on every candle).
 */
const SET_BITS = 9;
const SIZE = 2 << SET_BITS;

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
   * Per entry: the total score. Entry `SIZE`, which no key hashes to, holds the answer (in all
   * three columns) for a vector that is not remembered.
   */
  readonly totals: Float64Array = new Float64Array(SIZE + 1);
  /** Per entry: the confidence, in [0, 1]. */
  readonly confidences: Float64Array = new Float64Array(SIZE + 1);
  /** Per entry: the bias as an index into {@linkcode BIASES}. */
  readonly biases: Uint8Array = new Uint8Array(SIZE + 1);

  /** With more than 13 categories nothing is remembered (the key would not be an exact double). */
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
    // murmur3's 32-bit finaliser over the key's low and high words.
    let h = (key | 0) ^ Math.imul((key / 4294967296) | 0, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    const at = ((h ^ (h >>> 16)) >>> (32 - SET_BITS)) << 1;
    if (exact === 1 && this.#enabled) {
      if (this.#keys[at] === key) return at;
      if (this.#keys[at + 1] === key) return at + 1;
    }
    return this.#compute(scores, exact === 1 && this.#enabled ? key : -1, at);
  }

  /**
   * The score rules themselves (a miss): into the first way of set `at` when `key` is one (its
   * entry moving to the second way, whose entry goes), else into entry SIZE.
   */
  #compute(scores: Float64Array, key: number, at: number): number {
    const total = totalScore(scores, this.#clamps, this.#weights, this.#scoring);
    const conf = confidence(scores, this.#confidence);
    const bias = BIASES.indexOf(biasOf(total, this.#thresholds));
    if (key < 0) at = SIZE;
    else {
      this.#keys[at + 1] = this.#keys[at];
      this.totals[at + 1] = this.totals[at];
      this.confidences[at + 1] = this.confidences[at];
      this.biases[at + 1] = this.biases[at];
      this.#keys[at] = key;
    }
    this.totals[at] = total;
    this.confidences[at] = conf;
    this.biases[at] = bias;
    return at;
  }
}
