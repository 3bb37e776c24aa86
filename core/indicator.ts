/**
 * The Indicator plugin contract.
 *
 * An indicator is a factory of streaming states. The engine creates one state per
 * (symbol, interval), feeds it every closed candle in order, and asks the plugin to judge the
 * state. Batch runs ({@linkcode runBatch}) use the very same state, so every formula exists once.
 *
 * @module
 */
import type { z } from "zod";
import type { Candle } from "./candle.ts";

/** What an indicator says about the market right now. */
export interface IndicatorSignal {
  /** Signed integer-ish contribution to its category: positive is bullish. */
  score: number;
  /** A state name from the plugin's `states`, e.g. `"Oversold"`. */
  state: string;
  /** Human text explaining the state; empty when there is nothing to say. */
  reason: string;
  /**
   * Optional risk adjustment the engine adds to its risk count; a function of the signal's
   * total score because some states are only risky when trading with the crowd.
   */
  risk?: (total: number) => number;
  /** When true the engine widens SL/TP (e.g. extreme funding: crowded side, forced exits). */
  widenStops?: boolean;
}

/** The values of a state: named numbers, `null` while warming up. */
export type IndicatorValues = Record<string, number | null>;

/** The streaming state of one indicator for one (symbol, interval). */
export interface IndicatorState {
  /** Feeds one closed candle, oldest first. O(1) where the math allows; never re-reads history. */
  update(candle: Candle): void;
  /**
   * Optional fast path of {@linkcode update} for a caller that guarantees a valid candle
   * (`candleProblem` found nothing) strictly after the previous one, as the engine does: the same
   * state change without the plugin's own re-validation. Direct `update()` keeps validating.
   */
  updateTrusted?(candle: Candle): void;
  /** Number of candles fed so far. */
  readonly count: number;
  /** Current values; every key is always present, `null` during warm-up. */
  values(): IndicatorValues;
}

/**
 * A candle series as columns (see {@linkcode candleColumns}): what a whole-series computation
 * reads. Rows are valid candles in strictly increasing time order.
 */
export interface CandleColumns {
  /** Number of rows; every column holds this many values. */
  readonly length: number;
  /** Open times, epoch ms UTC, strictly increasing. */
  readonly time: Float64Array;
  /** Open price per row. */
  readonly open: Float64Array;
  /** High price per row. */
  readonly high: Float64Array;
  /** Low price per row. */
  readonly low: Float64Array;
  /** Close price per row. */
  readonly close: Float64Array;
  /** Base-asset volume per row. */
  readonly volume: Float64Array;
  /** Funding rate per hour; NaN on rows without one. */
  readonly fundingRate: Float64Array;
  /** Open interest; NaN on rows without one. */
  readonly openInterest: Float64Array;
}

/** Column-wise values: one array per output key, aligned with the rows, NaN where `values()` is null. */
export type ValueColumns = Record<string, Float64Array>;

/** An indicator plugin: default-export one of these from a file in `plugins/indicators/`. */
// deno-lint-ignore no-explicit-any
export interface Indicator<P = any, S extends IndicatorState = IndicatorState> {
  /** Always `"indicator"`; discovery rejects one in `plugins/indicators/` whose kind differs. */
  readonly kind: "indicator";
  /** Unique id, lower-case, e.g. `"rsi"`. */
  readonly id: string;
  /** Category id this indicator scores into, e.g. `"momentum"`. */
  readonly category: string;
  /** One line for `/plugins` and the docs. */
  readonly description: string;
  /** zod schema of the parameters; `params.parse({})` must give the defaults. */
  // deno-doc-ignore private-type-ref -- zod's own type (plugins get it as `z` from this module)
  readonly params: z.ZodType<P>;
  /** The keys `values()` returns, in display order. */
  readonly outputs: readonly string[];
  /** Every state `evaluate` can return. */
  readonly states: readonly string[];
  /**
   * Candles needed before the indicator's main values are defined; the strategy's warm-up is the
   * largest of these. An output that needs a longer history (ATR's regime `ratio`, a baseline of
   * past ATRs) stays null, and its state Neutral, until that history exists.
   */
  warmup(params: P): number;
  /** Creates a fresh streaming state. */
  create(params: P): S;
  /** Judges the current state. Pure: the same state gives the same signal. */
  evaluate(state: S, params: P): IndicatorSignal;
  /**
   * Optional whole-series path: every `outputs` value for every row at once, for backfills,
   * research and `deno task indicators`. It must give exactly what feeding the streaming state
   * row by row gives in `values()` (bit for bit, null as NaN), and should run the same value code
   * (the shared `_*.ts` cores) while skipping what only `evaluate` needs. Without it,
   * {@linkcode computeColumns} feeds the streaming state.
   */
  batch?(columns: CandleColumns, params: P): ValueColumns;
}

/** Identity helper that infers `P` and `S` for plugin authors. */
export function defineIndicator<P, S extends IndicatorState>(
  def: Omit<Indicator<P, S>, "kind">,
): Indicator<P, S> {
  return { kind: "indicator", ...def };
}
