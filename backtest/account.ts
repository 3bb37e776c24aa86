/**
 * The trading side of a backtest run: the trading model, the equity curve and the tally of
 * signals, fed each candle together with the signal computed on its close. The engine side (the
 * signal series, candle checks, the funding join) is `SignalFeed`'s; `runBacktest`
 * joins the two, and any other run loop (another thread, a different candle source) can reuse
 * both and get the same result.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { BacktestConfig } from "./config.ts";
import type { Settlement } from "./funding.ts";
import { SettlementCursor } from "./funding.ts";
import { type Performance, performance, type TradeStats, tradeStats } from "./metrics.ts";
import { type ModelTotals, type Trade, type TradeSignal, TradingModel } from "./model.ts";

/** Signals by direction over the traded candles. */
export interface SignalTally {
  long: number;
  short: number;
  neutral: number;
  warmup: number;
}

/** What the account adds to a backtest result. */
export interface AccountResult {
  signals: SignalTally;
  trades: Trade[];
  totals: ModelTotals;
  /** Equity at the first traded open, then at every traded candle's close. */
  equity: Float64Array;
  equity_times: Float64Array;
  performance: Performance;
  stats: TradeStats;
}

/** The trading side of one run over `total` candles, trading from candle index `first` on. */
export class BacktestAccount {
  readonly #model: TradingModel;
  readonly #step: number;
  readonly #first: number;
  readonly #equity: Float64Array;
  readonly #times: Float64Array;
  #long = 0;
  #short = 0;
  #neutral = 0;
  #warmup = 0;

  /**
   * `settlements` are paid on open positions (validated here: `FundingInputError`); `firstTime`
   * is the open time of candle `first` (0 when none is traded).
   */
  constructor(
    config: BacktestConfig,
    stepMs: number,
    settlements: readonly Settlement[],
    total: number,
    first: number,
    firstTime: number,
  ) {
    this.#model = new TradingModel(config, stepMs, new SettlementCursor(settlements));
    this.#step = stepMs;
    this.#first = first;
    const traded = total - first;
    this.#equity = new Float64Array(traded + 1);
    this.#times = new Float64Array(traded + 1);
    this.#equity[0] = config.initial_equity;
    this.#times[0] = traded > 0 ? firstTime : 0;
  }

  /**
   * Candle `i` (0-based, in order) and the signal computed on its close (`undefined` during
   * warm-up). Before `first` a candle only warmed the engine up. The model first fills what is
   * due during the candle and only then sees its signal: no decision uses a price it could not
   * have known. The signal is read here and not kept.
   */
  feed(c: Candle, i: number, s: Readonly<TradeSignal> | undefined): void {
    if (i < this.#first) return;
    const model = this.#model;
    model.onCandle(c);
    if (s === undefined) this.#warmup++;
    else {
      if (s.direction === "Long") this.#long++;
      else if (s.direction === "Short") this.#short++;
      else this.#neutral++;
      model.onSignal(s, c);
    }
    const j = i - this.#first + 1;
    model.markClose(c, this.#equity, j);
    this.#times[j] = c.time + this.#step;
  }

  /** Ends the run (an open position is closed at the last close) and computes the metrics. */
  finish(): AccountResult {
    const model = this.#model;
    model.finish();
    const equity = this.#equity;
    const traded = equity.length - 1;
    if (traded > 0) equity[traded] = model.cash; // end-of-data exit costs are part of the curve
    return {
      signals: {
        long: this.#long,
        short: this.#short,
        neutral: this.#neutral,
        warmup: this.#warmup,
      },
      trades: model.trades,
      totals: model.totals,
      equity,
      equity_times: this.#times,
      performance: performance(equity, this.#times, this.#step),
      stats: tradeStats(model.trades, model.totals.bars, model.totals.bars_in_market),
    };
  }
}
