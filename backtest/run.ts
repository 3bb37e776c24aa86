/**
 * The backtest loop: every candle goes, once and in order, through the same signal series the
 * live service uses, and then to the trading model. For candle `k` the model first fills what is
 * due during `k` (pending orders at its open, funding, stops), and only then sees the signal
 * computed on `k`'s close, so a decision can never use a price it could not have known.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import { type Interval, intervalMs } from "../core/interval.ts";
import type { FundingPoint } from "../core/market.ts";
import { type AccountResult, BacktestAccount } from "./account.ts";
import type { BacktestConfig } from "./config.ts";
import type { SignalSource } from "./engine.ts";
import type { TradeSignal } from "./model.ts";
import { SignalFeed } from "./signal_feed.ts";
import { type DecisionColumns, readDecision } from "../core/engine/decision_columns.ts";

export { BacktestInputError } from "./signal_feed.ts";

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
  /**
   * Feed the engine candle by candle through `decide`, in the live order, instead of in blocks
   * through `decideBlock` (the default when the source has it): the same results, slower.
   */
  perCandle?: boolean;
  /** Called every `progressEvery` candles and at the end. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

/** Everything a report needs: the run's market and span, and its account's result. */
export interface BacktestResult extends AccountResult {
  symbol: string;
  interval: Interval;
  /** Candles fed to the engine, and those traded (after `tradeFrom`). */
  candles_total: number;
  candles_traded: number;
  /** Open time of the first and last traded candle (`null` when none). */
  from: number | null;
  to: number | null;
}

/** Candles per block of the run loop. */
const BLOCK = 2048;

/** Index of the first candle at or after `tradeFrom`: the first one traded. */
export function firstTraded(candles: readonly Candle[], tradeFrom: number): number {
  let first = 0;
  while (first < candles.length && candles[first].time < tradeFrom) first++;
  return first;
}

/** Runs one market through engine and model. Throws {@linkcode BacktestInputError} on bad candles. */
export function runBacktest(input: BacktestInput): BacktestResult {
  const { candles, config } = input;
  const step = intervalMs(input.interval);
  const settlements = input.funding ?? [];
  const n = candles.length;
  const first = firstTraded(candles, input.tradeFrom ?? -Infinity);
  const account = new BacktestAccount(
    config,
    step,
    settlements,
    n,
    first,
    first < n ? candles[first].time : 0,
  );
  const feed = new SignalFeed(candles, input.series, settlements, step, input.perCandle === true);
  const every = Math.max(1, Math.floor(input.progressEvery ?? 65_536));
  const progress = input.onProgress;
  // In blocks: the engine over a block, then the trading side over it, so each keeps its code
  // and data in cache for a block instead of the two alternating candle by candle. The engine
  // never reads the trading side, and the model still sees candle k's signal only after filling
  // what is due during k; a bad candle still stops the run before any result exists.
  const cols: DecisionColumns = {
    direction: new Int8Array(BLOCK),
    sl: new Float64Array(BLOCK),
    tp: new Float64Array(BLOCK),
  };
  const signal: TradeSignal = { time: 0, direction: "Neutral", sl_pct: null, tp_pct: null };
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    feed.nextBlock(start, end, cols);
    for (let i = start; i < end; i++) {
      const k = i - start;
      const c = candles[i];
      account.feed(c, i, readDecision(cols, k, c.time, signal));
      if (progress !== undefined && i % every === 0) progress(i, n);
    }
  }
  progress?.(n, n);
  return backtestResult(input, first, account.finish());
}

/** The result of a run over `input` from its account's. */
export function backtestResult(
  input: BacktestInput,
  first: number,
  r: AccountResult,
): BacktestResult {
  const { candles } = input;
  const n = candles.length;
  const traded = n - first;
  return {
    symbol: input.symbol,
    interval: input.interval,
    candles_total: n,
    candles_traded: traded,
    from: traded > 0 ? candles[first].time : null,
    to: traded > 0 ? candles[n - 1].time : null,
    signals: r.signals,
    trades: r.trades,
    totals: r.totals,
    equity: r.equity,
    equity_times: r.equity_times,
    performance: r.performance,
    stats: r.stats,
  };
}
