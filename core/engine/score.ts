/**
 * From category scores to the total, the bias and the position (seed README "Signal
 * Aggregation" and "Direction Thresholds"; behaviour spec §3.2).
 * @module
 */
import type { Bias, Direction } from "../signal.ts";
import type { Scoring, Thresholds } from "./strategy.ts";

/** Clamps a combined category score into its inclusive range. */
export function clampScore(raw: number, clamp: readonly [number, number]): number {
  return raw < clamp[0] ? clamp[0] : raw > clamp[1] ? clamp[1] : raw;
}

/**
 * Maps a clamped category score to [−1, 1]: positive scores are divided by the upper bound,
 * negative ones by the magnitude of the lower bound, so asymmetric clamps still reach ±1.
 */
export function normaliseScore(score: number, clamp: readonly [number, number]): number {
  if (score > 0) return clamp[1] > 0 ? score / clamp[1] : 0;
  if (score < 0) return clamp[0] < 0 ? score / -clamp[0] : 0;
  return 0;
}

/** Weighted totals are rounded to 12 decimals so float noise cannot flip a threshold. */
const WEIGHTED_PRECISION = 1e12;

/**
 * The total score. `integer`: the plain sum of the clamped scores (the seed). `weighted`:
 * Σ weightᵢ × normalised scoreᵢ, in [−1, 1] when the weights sum to 1.
 */
export function totalScore(
  scores: ArrayLike<number>,
  clamps: readonly (readonly [number, number])[],
  weights: ArrayLike<number>,
  scoring: Scoring,
): number {
  let total = 0;
  if (scoring === "integer") {
    for (let i = 0; i < scores.length; i++) total += scores[i];
    return total;
  }
  for (let i = 0; i < scores.length; i++) {
    total += weights[i] * normaliseScore(scores[i], clamps[i]);
  }
  return Math.round(total * WEIGHTED_PRECISION) / WEIGHTED_PRECISION;
}

/** The bias of a total: thresholds are inclusive outward (`≥ long`, `≤ short`). */
export function biasOf(total: number, t: Thresholds): Bias {
  if (total >= t.strong_long) return "StrongBullish";
  if (total >= t.long) return "Bullish";
  if (total <= t.strong_short) return "StrongBearish";
  if (total <= t.short) return "Bearish";
  return "Neutral";
}

/** The position a bias calls for. */
export function directionOf(bias: Bias): Direction {
  switch (bias) {
    case "StrongBullish":
    case "Bullish":
      return "Long";
    case "StrongBearish":
    case "Bearish":
      return "Short";
    default:
      return "Neutral";
  }
}
