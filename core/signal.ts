/**
 * The signal record: what the engine emits once per (symbol, interval, closed candle), and what
 * stores persist and the API serves. Field names are snake_case because this is a wire format.
 * @module
 */
import type { Interval } from "./interval.ts";

/** Trade direction. */
export type Direction = "Long" | "Short" | "Neutral";

/** Market bias from the total score. */
export type Bias = "StrongBullish" | "Bullish" | "Neutral" | "Bearish" | "StrongBearish";

/** Risk level. */
export type RiskLevel = "Low" | "Medium" | "High";

/** One indicator's part in a category score. */
export interface Contribution {
  id: string;
  state: string;
  score: number;
  reason: string;
}

/** One category's score: `score` is `raw` clamped, and `raw` is the combination of contributions. */
export interface CategoryResult {
  id: string;
  score: number;
  raw: number;
  clamp: [number, number];
  weight: number;
  contributions: Contribution[];
}

/** A reason line with its weight (1 for indicator reasons, less for engine notes). */
export interface Reason {
  text: string;
  weight: number;
}

/** The signal record. */
export interface SignalRecord {
  symbol: string;
  interval: Interval;
  /** Open time of the candle the signal was computed on, epoch ms. */
  time: number;
  /** Close price of that candle. */
  price: number;
  direction: Direction;
  bias: Bias;
  /** Total score (integer sum in `integer` scoring, weighted sum in `weighted`). */
  score: number;
  categories: CategoryResult[];
  confidence: number;
  risk: RiskLevel;
  sl_pct: number | null;
  tp_pct: number | null;
  sl_price: number | null;
  tp_price: number | null;
  reasons: Reason[];
  strategy: string;
  engine_version: string;
}

/**
 * The trading decision of a record: what a consumer that only acts on signals needs (see
 * `SignalSeries.decide`).
 */
export interface SignalDecision {
  /** Open time of the candle the signal was computed on, epoch ms. */
  time: number;
  direction: Direction;
  sl_pct: number | null;
  tp_pct: number | null;
}
