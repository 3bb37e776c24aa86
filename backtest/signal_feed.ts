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
import { type DecisionColumns, putDecision } from "../core/engine/decision_columns.ts";
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
  readonly #perCandle: boolean;
  #prev = -Infinity;
  /** The candles of the block being decided, as the source sees them (funding joined). */
  #joined: Candle[] = [];

  /**
   * `funding` (when non-empty) replaces the candles' own rates by the `FundingCursor` rule, the
   * one `deno task signals --funding` uses, so the backtest trades the signals the CLI prints.
   * `perCandle`: `nextBlock` asks the source candle by candle even when it has `decideBlock`.
   */
  constructor(
    candles: readonly Candle[],
    series: SignalSource,
    funding: readonly FundingPoint[],
    stepMs: number,
    perCandle = false,
  ) {
    this.#candles = candles;
    this.#series = series;
    this.#join = funding.length > 0 ? new FundingCursor(funding, stepMs) : undefined;
    this.#perCandle = perCandle;
  }

  /**
   * The signal on candle `i`, which must follow the previous call's (`undefined` during warm-up;
   * possibly an object the source reuses on its next call). Throws
   * {@linkcode BacktestInputError} naming the candle when it is invalid or not after the previous.
   */
  next(i: number): Readonly<SignalDecision> | undefined {
    const c = this.#checked(i);
    try {
      return this.#series.decide(c);
    } catch (e) {
      throw this.#inputError(e, `candle ${i + 1} of ${this.#candles.length}`);
    }
  }

  /**
   * The signals on candles `start..end` (which must follow the previous call's) into `out` by
   * position (`direction` −1/0/1 or `WARMING_UP`, stops NaN where none): the same as `next` on
   * each, through the source's `decideBlock` when it has one. A refused candle throws, as `next`
   * would, once the candles before it are decided.
   */
  nextBlock(start: number, end: number, out: DecisionColumns): void {
    const joined = this.#joined;
    let refused: unknown;
    let m = start;
    for (; m < end; m++) {
      try {
        joined[m - start] = this.#checked(m);
      } catch (e) {
        refused = e;
        break;
      }
    }
    const series = this.#series;
    const len = m - start;
    if (series.decideBlock !== undefined && !this.#perCandle) {
      try {
        series.decideBlock(joined, 0, len, out);
      } catch (e) {
        throw this.#inputError(e, `candles ${start + 1}–${m} of ${this.#candles.length}`);
      }
    } else {
      for (let q = 0; q < len; q++) {
        let s;
        try {
          s = series.decide(joined[q]);
        } catch (e) {
          throw this.#inputError(e, `candle ${start + q + 1} of ${this.#candles.length}`);
        }
        putDecision(out, q, s);
      }
    }
    if (refused !== undefined) throw refused;
  }

  /** Candle `i` checked and after the previous one, as the source gets it (funding joined). */
  #checked(i: number): Candle {
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
    return join === undefined ? c : join.attach(c);
  }

  /** A source's refusal of a candle as a {@linkcode BacktestInputError} naming `where`. */
  #inputError(e: unknown, where: string): unknown {
    if (e instanceof CandleError || e instanceof CandleOrderError) {
      return new BacktestInputError(`${where}: ${e.message}`, { cause: e });
    }
    return e;
  }
}
