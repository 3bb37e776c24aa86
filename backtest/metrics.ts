/**
 * Performance and trade statistics of a backtest. Crypto perps trade around the clock, so
 * annualisation uses 365.25 days of candles; the risk-free rate is taken as 0. Values that are
 * undefined for the data (a Sharpe ratio with no variance, a profit factor with no losing trade)
 * are `null`, never `Infinity` or `NaN`, so the report is valid JSON.
 * @module
 */
import type { Trade } from "./model.ts";

/** Milliseconds in an average Julian year. */
export const YEAR_MS = 365.25 * 24 * 3_600_000;

/** Return and risk of the equity curve. Fractions (0.1 = 10 %), not percent. */
export interface Performance {
  initial_equity: number;
  final_equity: number;
  total_return: number;
  /** Compound annual growth rate over the curve's span; `null` for an empty span. */
  cagr: number | null;
  /** Annualised mean/stdev of per-candle returns (sample stdev); `null` with no variance. */
  sharpe: number | null;
  /** Annualised mean/downside deviation (target 0, over all candles); `null` with no loss. */
  sortino: number | null;
  /** Largest peak-to-trough fall as a fraction of the peak. */
  max_drawdown: number;
  /** Longest time spent below a previous peak (until recovery, or the end), in ms. */
  max_drawdown_duration_ms: number;
  /** CAGR / max drawdown; `null` without a drawdown or a CAGR. */
  calmar: number | null;
}

/** Statistics of the closed trades. Money in quote currency. */
export interface TradeStats {
  trades: number;
  wins: number;
  losses: number;
  /** Share of trades with a positive net PnL; `null` with no trades. */
  win_rate: number | null;
  /** Gross profit of winners / gross loss of losers (net of costs); `null` with no loser. */
  profit_factor: number | null;
  /** Mean net PnL per trade; `null` with no trades. */
  expectancy: number | null;
  /** Mean net PnL per trade in units of planned risk; `null` with no trades. */
  expectancy_r: number | null;
  /** Mean net PnL of winners (positive); `null` with none. */
  avg_win: number | null;
  /** Mean net PnL of losers (negative); `null` with none. */
  avg_loss: number | null;
  /** Share of candles during which a position was open, in percent. */
  exposure_pct: number;
}

/**
 * Computes {@linkcode Performance} from an equity curve: `equity[i]` at `times[i]` (the first
 * point is the starting equity at the first candle's open). `intervalMs` sets the annualisation
 * of per-candle returns.
 */
export function performance(
  equity: ArrayLike<number>,
  times: ArrayLike<number>,
  intervalMs: number,
): Performance {
  const n = equity.length;
  if (n === 0 || times.length !== n) {
    throw new RangeError(`equity (${n}) and times (${times.length}) must be non-empty and equal`);
  }
  const e0 = equity[0];
  const eN = equity[n - 1];
  const totalReturn = eN / e0 - 1;
  const span = times[n - 1] - times[0];
  let cagr: number | null = null;
  if (span > 0) cagr = eN <= 0 ? -1 : Math.pow(eN / e0, YEAR_MS / span) - 1;

  // One pass: Welford mean/variance of returns, downside sum of squares, drawdown.
  let mean = 0;
  let m2 = 0;
  let down2 = 0;
  let k = 0;
  let peak = e0;
  let peakTime = times[0];
  let maxDd = 0;
  let maxUnder = 0;
  let under = false;
  for (let i = 1; i < n; i++) {
    const prev = equity[i - 1];
    const e = equity[i];
    const r = prev > 0 ? e / prev - 1 : 0;
    k++;
    const d = r - mean;
    mean += d / k;
    m2 += d * (r - mean);
    if (r < 0) down2 += r * r;
    if (e >= peak) {
      if (under && times[i] - peakTime > maxUnder) maxUnder = times[i] - peakTime;
      under = false;
      peak = e;
      peakTime = times[i];
    } else {
      under = true;
      const dd = peak > 0 ? 1 - e / peak : 1;
      if (dd > maxDd) maxDd = dd;
    }
  }
  if (under && times[n - 1] - peakTime > maxUnder) maxUnder = times[n - 1] - peakTime;

  const perYear = Math.sqrt(YEAR_MS / intervalMs);
  const sd = k > 1 ? Math.sqrt(m2 / (k - 1)) : 0;
  const downDev = k > 0 ? Math.sqrt(down2 / k) : 0;
  return {
    initial_equity: e0,
    final_equity: eN,
    total_return: totalReturn,
    cagr,
    sharpe: sd > 0 ? mean / sd * perYear : null,
    sortino: downDev > 0 ? mean / downDev * perYear : null,
    max_drawdown: maxDd,
    max_drawdown_duration_ms: maxUnder,
    calmar: cagr !== null && maxDd > 0 ? cagr / maxDd : null,
  };
}

/** Computes {@linkcode TradeStats}; `bars`/`barsInMarket` give the exposure. */
export function tradeStats(
  trades: readonly Trade[],
  bars: number,
  barsInMarket: number,
): TradeStats {
  let wins = 0;
  let losses = 0;
  let won = 0;
  let lost = 0;
  let net = 0;
  let r = 0;
  for (const t of trades) {
    net += t.net_pnl;
    r += t.r_multiple;
    if (t.net_pnl > 0) {
      wins++;
      won += t.net_pnl;
    } else if (t.net_pnl < 0) {
      losses++;
      lost -= t.net_pnl;
    }
  }
  const n = trades.length;
  return {
    trades: n,
    wins,
    losses,
    win_rate: n > 0 ? wins / n : null,
    profit_factor: lost > 0 ? won / lost : null,
    expectancy: n > 0 ? net / n : null,
    expectancy_r: n > 0 ? r / n : null,
    avg_win: wins > 0 ? won / wins : null,
    avg_loss: losses > 0 ? -lost / losses : null,
    exposure_pct: bars > 0 ? barsInMarket / bars * 100 : 0,
  };
}
