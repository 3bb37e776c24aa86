/**
 * Backtest settings: how signals become positions and what trading costs. Everything that changes
 * the result is here, so a run is reproducible from (candles, funding, strategy, these settings).
 * @module
 */
import { z } from "zod";

/** Hyperliquid's base-tier taker fee (0.045 %), as a fraction. */
export const HYPERLIQUID_TAKER_FEE = 0.00045;
/** Hyperliquid's base-tier maker fee (0.015 %), as a fraction. */
export const HYPERLIQUID_MAKER_FEE = 0.00015;
/** Hyperliquid's minimum order value in USDC: smaller orders are rejected by the venue. */
export const HYPERLIQUID_MIN_NOTIONAL = 10;

/** Validated backtest settings; every key has a default, so `{}` is a valid input. */
export const BacktestConfigSchema = z.object({
  /** Starting equity in quote currency (USDC on Hyperliquid). */
  initial_equity: z.number().positive().max(1e15).default(10_000),
  /** Equity risked per trade, in percent: the loss if the stop-loss is hit (before costs). */
  risk_pct: z.number().positive().max(100).default(1),
  /** Cap on position notional as a multiple of equity. */
  max_leverage: z.number().positive().max(200).default(3),
  /** Taker fee as a fraction of notional (market entries and exits, stop-losses). */
  taker_fee: z.number().min(0).max(0.01).default(HYPERLIQUID_TAKER_FEE),
  /** Maker fee as a fraction of notional (limit take-profits); negative is a rebate. */
  maker_fee: z.number().min(-0.01).max(0.01).default(HYPERLIQUID_MAKER_FEE),
  /** Adverse slippage on every taker fill, in basis points of the price. */
  slippage_bps: z.number().min(0).max(1000).default(2),
  /**
   * When a Long/Short signal is acted on: at the next candle's open (no look-ahead, the
   * default) or at the close of the candle the signal was computed on.
   */
  entry: z.enum(["next_open", "signal_close"]).default("next_open"),
  /** On an opposite signal: close and open the other way (true) or only close (false). */
  reverse_on_opposite: z.boolean().default(true),
  /** Take-profit as a resting limit order (maker fee, no slippage) or a market order. */
  take_profit_order: z.enum(["limit", "market"]).default("limit"),
  /**
   * Smallest entry notional (quote currency) the venue accepts; a smaller entry is skipped and
   * counted. Without it a shrinking account keeps trading dust no exchange would fill.
   */
  min_notional: z.number().min(0).max(1e12).default(HYPERLIQUID_MIN_NOTIONAL),
  /**
   * Ruin threshold in percent of `initial_equity`: once equity falls below it the account is
   * ruined and makes no new entry (0: only at zero equity).
   */
  ruin_pct: z.number().min(0).max(100).default(1),
}).strict();

/** Backtest settings as written by a user (every key optional). */
export type BacktestConfigInput = z.input<typeof BacktestConfigSchema>;
/** Backtest settings with defaults filled in. */
export type BacktestConfig = z.output<typeof BacktestConfigSchema>;

/** Invalid settings; `problems` lists each as `key: message`. */
export class BacktestConfigError extends Error {
  override name = "BacktestConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid backtest settings:\n  ${problems.join("\n  ")}`);
  }
}

/** Validates settings, throwing a {@linkcode BacktestConfigError} that lists every problem. */
export function parseBacktestConfig(input: unknown = {}): BacktestConfig {
  const r = BacktestConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new BacktestConfigError(
      r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`),
    );
  }
  return r.data;
}
