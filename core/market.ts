/**
 * Perp market context that is not a candle: funding and open interest.
 * @module
 */

/** One funding settlement (history). */
export interface FundingPoint {
  /** Settlement time, epoch ms. */
  time: number;
  /** Rate for one settlement period, as a fraction (0.0001 = 0.01 %). */
  rate: number;
  /** Length of the settlement period in hours (1 on Hyperliquid, 8 on most CEXs). */
  periodHours: number;
  premium?: number;
}

/** A live snapshot of a perp's asset context (Hyperliquid `activeAssetCtx`). */
export interface PerpSnapshot {
  symbol: string;
  /** Receive time, epoch ms. */
  time: number;
  /** Current funding rate, fraction per hour. */
  fundingRate: number;
  /** Open interest in base units. */
  openInterest: number;
  markPrice?: number;
  oraclePrice?: number;
  premium?: number;
}

/** One open-interest observation (history). */
export interface OpenInterestPoint {
  time: number;
  openInterest: number;
}
