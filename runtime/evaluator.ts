/**
 * The seam between ingestion and the signal engine: feed closed candles, get signal records.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { Interval } from "../core/interval.ts";
import type { SignalRecord } from "../core/signal.ts";

/** Turns each closed candle of a series into at most one signal record. */
export interface Evaluator {
  /**
   * Feeds one closed candle. Returns the signal for it, or undefined during warm-up or when the
   * candle is not newer than the last one seen for the series (never evaluated twice).
   */
  update(symbol: string, interval: Interval, candle: Candle): SignalRecord | undefined;
  /**
   * Candles a fresh evaluator must be fed before it can return a signal for the series (the
   * strategy's warm-up). A worker rebuilding a series from the store reads at least this many more
   * than one, whatever `historical_candle_count` says, or it would never get past the warm-up.
   */
  warmup?(symbol: string, interval: Interval): number;
}
