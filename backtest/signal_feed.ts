/**
 * The engine side of a backtest run: each candle checked (so the trading side never sees a bad
 * one, whatever the signal source), given its funding rate by the engine's as-of join, and
 * turned into a signal by the source. `runBacktest` pairs it with a `BacktestAccount`.
 * @module
 */
import { type Candle, CandleError, candleProblem } from "../core/candle.ts";
import { isValidCandle } from "../core/engine/candle_check.ts";
import { FundingCursor } from "../core/engine/funding_join.ts";
import { CandleOrderError } from "../core/engine/series.ts";
import type { FundingPoint } from "../core/market.ts";
import type { SignalDecision } from "../core/signal.ts";
import type { SignalSource } from "./engine.ts";

/** Unusable backtest input; the message names the candle. */
export class BacktestInputError extends Error {
  override name = "BacktestInputError";
}

/** Signals for the candles of one run, in order. */
export class SignalFeed {
  readonly #candles: readonly Candle[];
  readonly #series: SignalSource;
  readonly #join: FundingCursor | undefined;
  #prev = -Infinity;

  /**
   * `funding` (when non-empty) replaces the candles' own rates by the `FundingCursor` rule, the
   * one `deno task signals --funding` uses, so the backtest trades the signals the CLI prints.
   */
  constructor(
    candles: readonly Candle[],
    series: SignalSource,
    funding: readonly FundingPoint[],
    stepMs: number,
  ) {
    this.#candles = candles;
    this.#series = series;
    this.#join = funding.length > 0 ? new FundingCursor(funding, stepMs) : undefined;
  }

  /**
   * The signal on candle `i`, which must follow the previous call's (`undefined` during warm-up;
   * possibly an object the source reuses on its next call). Throws
   * {@linkcode BacktestInputError} naming the candle when it is invalid or not after the previous.
   */
  next(i: number): Readonly<SignalDecision> | undefined {
    const c = this.#candles[i];
    const n = this.#candles.length;
    // The branch-light check first; the problem is only spelt out for a candle it refuses.
    const problem = isValidCandle(c) ? undefined : candleProblem(c);
    if (problem !== undefined) throw new BacktestInputError(`candle ${i + 1} of ${n}: ${problem}`);
    if (c.time <= this.#prev) {
      throw new BacktestInputError(
        `candle ${i + 1} of ${n}: time ${c.time} is not after the previous candle's ${this.#prev}`,
      );
    }
    this.#prev = c.time;
    const join = this.#join;
    try {
      return this.#series.decide(join === undefined ? c : join.attach(c));
    } catch (e) {
      if (e instanceof CandleError || e instanceof CandleOrderError) {
        throw new BacktestInputError(`candle ${i + 1} of ${n}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }
}
