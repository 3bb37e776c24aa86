/**
 * The backtest loop: every candle goes, once and in order, through the same signal series the
 * live service uses, and then to the trading model. For candle `k` the model first fills what is
 * due during `k` (pending orders at its open, funding, stops), and only then sees the signal
 * computed on `k`'s close, so a decision can never use a price it could not have known.
 * @module
 */
import { CandleError, candleProblem } from "../core/candle.ts";
import type { Candle } from "../core/candle.ts";
import { type Interval, intervalMs } from "../core/interval.ts";
import type { FundingPoint } from "../core/market.ts";
import type { BacktestConfig } from "./config.ts";
import type { SignalSource } from "./engine.ts";
import { SettlementCursor } from "./funding.ts";
import { type Performance, performance, type TradeStats, tradeStats } from "./metrics.ts";
import { type ModelTotals, type Trade, TradingModel } from "./model.ts";
import { CandleOrderError } from "../core/engine/series.ts";
import { FundingCursor } from "../core/engine/funding_join.ts";
import { isValidCandle } from "../core/engine/candle_check.ts";

/** Input of {@linkcode runBacktest}. */
export interface BacktestInput {
  symbol: string;
  interval: Interval;
  /** Closed candles in strictly increasing time order. */
  candles: readonly Candle[];
  /**
   * Funding settlements (time, rate per settlement, period). They are paid on open positions, and
   * joined as-of onto the candles for the engine's funding indicator by the same
   * `FundingCursor` rule as `deno task signals --funding` (it replaces a candle's own rate), so
   * the backtest trades the signals the CLI prints. Without settlements candles keep their rate.
   */
  funding?: readonly FundingPoint[];
  /** The signal series (see `engineSeries`); fresh, it must not have seen candles. */
  series: SignalSource;
  config: BacktestConfig;
  /** Candles before this time only warm the engine up; trading starts at the first one after. */
  tradeFrom?: number;
  /** Called every `progressEvery` candles and at the end. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

/** Everything a report needs. */
export interface BacktestResult {
  symbol: string;
  interval: Interval;
  /** Candles fed to the engine, and those traded (after `tradeFrom`). */
  candles_total: number;
  candles_traded: number;
  /** Open time of the first and last traded candle (`null` when none). */
  from: number | null;
  to: number | null;
  /** Signals by direction over the traded candles. */
  signals: { long: number; short: number; neutral: number; warmup: number };
  trades: Trade[];
  totals: ModelTotals;
  /** Equity at the first traded open, then at every traded candle's close. */
  equity: Float64Array;
  equity_times: Float64Array;
  performance: Performance;
  stats: TradeStats;
}

/** Unusable backtest input; the message names the candle. */
export class BacktestInputError extends Error {
  override name = "BacktestInputError";
}

/** Runs one market through engine and model. Throws {@linkcode BacktestInputError} on bad candles. */
export function runBacktest(input: BacktestInput): BacktestResult {
  const { candles, series, config } = input;
  const step = intervalMs(input.interval);
  const settlements = input.funding ?? [];
  const model = new TradingModel(config, step, new SettlementCursor(settlements));
  const join = settlements.length > 0 ? new FundingCursor(settlements, step) : undefined;
  const tradeFrom = input.tradeFrom ?? -Infinity;
  const n = candles.length;
  const every = Math.max(1, Math.floor(input.progressEvery ?? 65_536));
  const progress = input.onProgress;

  let first = 0;
  while (first < n && candles[first].time < tradeFrom) first++;
  const traded = n - first;
  const equity = new Float64Array(traded + 1);
  const times = new Float64Array(traded + 1);
  equity[0] = config.initial_equity;
  times[0] = traded > 0 ? candles[first].time : 0;
  let long = 0;
  let short = 0;
  let neutral = 0;
  let warmup = 0;

  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const c = candles[i];
    // Checked here too, so the model never sees a bad candle whatever the signal source is (the
    // branch-light check first; the problem is only spelt out for a candle it refuses).
    const problem = isValidCandle(c) ? undefined : candleProblem(c);
    if (problem !== undefined) throw new BacktestInputError(`candle ${i + 1} of ${n}: ${problem}`);
    if (c.time <= prev) {
      throw new BacktestInputError(
        `candle ${i + 1} of ${n}: time ${c.time} is not after the previous candle's ${prev}`,
      );
    }
    prev = c.time;
    let s;
    try {
      s = series.decide(join === undefined ? c : join.attach(c));
    } catch (e) {
      if (e instanceof CandleError || e instanceof CandleOrderError) {
        throw new BacktestInputError(`candle ${i + 1} of ${n}: ${e.message}`, { cause: e });
      }
      throw e;
    }
    if (i < first) continue;
    model.onCandle(c);
    if (s === undefined) warmup++;
    else {
      if (s.direction === "Long") long++;
      else if (s.direction === "Short") short++;
      else neutral++;
      model.onSignal(s, c);
    }
    const j = i - first + 1;
    model.markClose(c, equity, j);
    times[j] = c.time + step;
    if (progress !== undefined && i % every === 0) progress(i, n);
  }
  model.finish();
  if (traded > 0) equity[traded] = model.cash; // end-of-data exit costs are part of the curve
  progress?.(n, n);

  return {
    symbol: input.symbol,
    interval: input.interval,
    candles_total: n,
    candles_traded: traded,
    from: traded > 0 ? candles[first].time : null,
    to: traded > 0 ? candles[n - 1].time : null,
    signals: { long, short, neutral, warmup },
    trades: model.trades,
    totals: model.totals,
    equity,
    equity_times: times,
    performance: performance(equity, times, step),
    stats: tradeStats(model.trades, model.totals.bars, model.totals.bars_in_market),
  };
}
