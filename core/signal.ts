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
  /** Indicator id, e.g. `"rsi"`. */
  id: string;
  /** The state the indicator judged, one of its plugin's `states`. */
  state: string;
  /** The indicator's signed score, before its category combines and clamps. */
  score: number;
  /** The indicator's explanation; empty when it had nothing to say. */
  reason: string;
}

/** One category's score: `score` is `raw` clamped, and `raw` is the combination of contributions. */
export interface CategoryResult {
  /** Category id, e.g. `"trend"`. */
  id: string;
  /** `raw` clamped into `clamp`: what enters the total. */
  score: number;
  /** The contributions combined: their sum, unless the category plugin has its own `combine`. */
  raw: number;
  /** Inclusive `[min, max]` bounds of `score`. */
  clamp: [number, number];
  /** Weight in `weighted` scoring (the profile's, else the plugin's); unused by `integer`. */
  weight: number;
  /** One per enabled member indicator, in the strategy's indicator order. */
  contributions: Contribution[];
}

/** A reason line with its weight (1 for indicator reasons, less for engine notes). */
export interface Reason {
  /** One human-readable line. */
  text: string;
  /** 1 for indicator reasons; engine notes rank lower (risk line 0.5, widened stops 0.4). */
  weight: number;
}

/** The signal record. */
export interface SignalRecord {
  /** Market symbol, e.g. `"BTC"`. */
  symbol: string;
  /** Interval of the candles the signal was computed on. */
  interval: Interval;
  /** Open time of the candle the signal was computed on, epoch ms. */
  time: number;
  /** Close price of that candle. */
  price: number;
  /** The position the bias calls for: Long when bullish, Short when bearish, else Neutral. */
  direction: Direction;
  /** Where `score` falls against the strategy's (inclusive) thresholds. */
  bias: Bias;
  /** Total score (integer sum in `integer` scoring, weighted sum in `weighted`). */
  score: number;
  /** Every category of the strategy, in its category order. */
  categories: CategoryResult[];
  /** How strongly and unanimously the categories lean, in [0, 1] (4 decimals); sign-free. */
  confidence: number;
  /** From the indicators' summed risk adjustments plus a penalty for a weak total. */
  risk: RiskLevel;
  /** Stop-loss distance from `price` in percent (0.37 = 0.37 %); null: Neutral or no volatility. */
  sl_pct: number | null;
  /** Take-profit distance from `price` in percent; null exactly when `sl_pct` is. */
  tp_pct: number | null;
  /** Absolute SL price, rounded away from `price` by the market's price rule; null if invalid. */
  sl_price: number | null;
  /** Absolute TP price, rounded to the market's price rule; null if none is valid. */
  tp_price: number | null;
  /** Indicator reasons in category then member order, then the widened-stops and risk lines. */
  reasons: Reason[];
  /** Id of the strategy profile that made it; part of the stored key. */
  strategy: string;
  /** Version of the scoring rules that made it (`ENGINE_VERSION`). */
  engine_version: string;
}

/**
 * The trading decision of a record: what a consumer that only acts on signals needs (see
 * `SignalSeries.decide`).
 */
export interface SignalDecision {
  /** Open time of the candle the signal was computed on, epoch ms. */
  time: number;
  /** As {@linkcode SignalRecord.direction}. */
  direction: Direction;
  /** As {@linkcode SignalRecord.sl_pct}: percent, null without a stop. */
  sl_pct: number | null;
  /** As {@linkcode SignalRecord.tp_pct}: percent, null without a target. */
  tp_pct: number | null;
}
