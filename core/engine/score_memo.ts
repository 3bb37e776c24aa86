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

/** The biases by index, for the table's byte column. */
const BIASES: readonly Bias[] = ["StrongBearish", "Bearish", "Neutral", "Bullish", "StrongBullish"];
/** The direction of each bias, by the same index. */
const DIRECTIONS: readonly Direction[] = BIASES.map(directionOf);

/** The score-derived parts of a record, computed by the score rules or remembered. */
export class ScoreMemo {
  readonly #clamps: readonly (readonly [number, number])[];
  readonly #weights: Float64Array;
  readonly #scoring: Scoring;
  readonly #thresholds: Thresholds;
  readonly #confidence: ConfidencePlan;
  readonly #enabled: boolean;
  /** Per entry: the vector's key (−1: empty), total, confidence and bias index. */
  readonly #keys = new Float64Array(SIZE).fill(-1);
  readonly #totals = new Float64Array(SIZE);
  readonly #confidences = new Float64Array(SIZE);
  readonly #biases = new Uint8Array(SIZE);
  /** The last answer's entry, or −1 when it was computed without the table. */
  #at = -1;
  #total = 0;
  #conf = 0;
  #bias: Bias = "Neutral";

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
   * Looks up (or computes and remembers) the vector `scores`; the answer is then read with
   * {@linkcode total}, {@linkcode bias} and {@linkcode confidence}. A vector with a score that is
   * not an integer in [−8, 7] is computed every time.
   */
  find(scores: Float64Array): void {
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
    if (exact === 1 && this.#enabled && this.#keys[at] === key) this.#at = at;
    else this.#compute(scores, exact === 1 && this.#enabled ? key : -1, at);
  }

  /** Total score of the last vector found. */
  get total(): number {
    return this.#at < 0 ? this.#total : this.#totals[this.#at];
  }

  /** Confidence of the last vector found. */
  get confidence(): number {
    return this.#at < 0 ? this.#conf : this.#confidences[this.#at];
  }

  /** Bias of the last vector found. */
  get bias(): Bias {
    return this.#at < 0 ? this.#bias : BIASES[this.#biases[this.#at]];
  }

  /** Direction of the last vector found (the bias's). */
  get direction(): Direction {
    return this.#at < 0 ? directionOf(this.#bias) : DIRECTIONS[this.#biases[this.#at]];
  }

  /** The score rules themselves (a miss); remembered at entry `at` when `key` is one. */
  #compute(scores: Float64Array, key: number, at: number): void {
    const total = totalScore(scores, this.#clamps, this.#weights, this.#scoring);
    const bias = biasOf(total, this.#thresholds);
    const conf = confidence(scores, this.#confidence);
    if (key < 0) {
      this.#at = -1;
      this.#total = total;
      this.#conf = conf;
      this.#bias = bias;
      return;
    }
    this.#keys[at] = key;
    this.#totals[at] = total;
    this.#confidences[at] = conf;
    this.#biases[at] = BIASES.indexOf(bias);
    this.#at = at;
  }
}
