/**
 * The candle: one closed OHLCV bar of one market and interval.
 *
 * Times are epoch milliseconds UTC. `time` is the bar's open time, the key every store,
 * provider and indicator agrees on (Hyperliquid's `t`).
 *
 * @module
 */

/** One OHLCV bar. Perp context (funding, open interest) rides along when a provider knows it. */
export interface Candle {
  /** Open time, epoch ms UTC. */
  time: number;
  /** Price at the bar's open (first trade), in quote currency; positive. */
  open: number;
  /** Highest trade price of the bar; at or above open, close and low. */
  high: number;
  /** Lowest trade price of the bar; at or below open, close and high. */
  low: number;
  /** Last trade price of the bar; signals and their SL/TP are priced from it. */
  close: number;
  /** Base-asset volume. */
  volume: number;
  /** Number of trades, when the venue reports it. */
  trades?: number;
  /**
   * Funding rate in force at the bar's close, as a fraction **per hour** (providers normalise
   * 8-hourly venues by dividing by 8), so thresholds mean the same on every venue.
   */
  fundingRate?: number;
  /** Open interest at the bar's close, in base-asset units. */
  openInterest?: number;
}

/** Thrown when a candle is not a valid bar; the message names the field and the value. */
export class CandleError extends Error {
  /** `"CandleError"`: what logs and stack traces show instead of the generic `"Error"`. */
  override name = "CandleError";
}

/**
 * Returns why a candle is invalid, or `undefined` when it is fine.
 * Cheap enough for the hot path: a handful of comparisons, no allocation on success.
 */
export function candleProblem(c: Candle): string | undefined {
  if (c === null || typeof c !== "object") return "candle is not an object";
  const { time, open, high, low, close, volume } = c;
  if (!Number.isSafeInteger(time) || time < 0) return `time ${time} is not a non-negative integer`;
  if (!(open > 0) || !Number.isFinite(open)) return `open ${open} is not a positive finite number`;
  if (!(high > 0) || !Number.isFinite(high)) return `high ${high} is not a positive finite number`;
  if (!(low > 0) || !Number.isFinite(low)) return `low ${low} is not a positive finite number`;
  if (!(close > 0) || !Number.isFinite(close)) {
    return `close ${close} is not a positive finite number`;
  }
  if (!(volume >= 0) || !Number.isFinite(volume)) {
    return `volume ${volume} is not a non-negative finite number`;
  }
  if (high < low) return `high ${high} is below low ${low}`;
  if (high < open || high < close) return `high ${high} is below open ${open} or close ${close}`;
  if (low > open || low > close) return `low ${low} is above open ${open} or close ${close}`;
  if (c.trades !== undefined && (!Number.isSafeInteger(c.trades) || c.trades < 0)) {
    return `trades ${c.trades} is not a non-negative integer`;
  }
  if (c.fundingRate !== undefined && !Number.isFinite(c.fundingRate)) {
    return `fundingRate ${c.fundingRate} is not finite`;
  }
  if (
    c.openInterest !== undefined && (!(c.openInterest >= 0) || !Number.isFinite(c.openInterest))
  ) {
    return `openInterest ${c.openInterest} is not a non-negative finite number`;
  }
  return undefined;
}

/** Throws a {@linkcode CandleError} naming the problem (and `where`, e.g. "BTC 1m") if invalid. */
export function assertCandle(c: Candle, where = "candle"): Candle {
  const p = candleProblem(c);
  if (p !== undefined) throw new CandleError(`${where}: ${p}`);
  return c;
}
