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
  /** Venue premium (perp vs oracle price) as a fraction; carried along, not scored. */
  premium?: number;
}

/** A live snapshot of a perp's asset context (Hyperliquid `activeAssetCtx`). */
export interface PerpSnapshot {
  /** Market symbol, e.g. `"BTC"`. */
  symbol: string;
  /** Receive time, epoch ms. */
  time: number;
  /** Current funding rate, fraction per hour. */
  fundingRate: number;
  /** Open interest in base units. */
  openInterest: number;
  /** Venue mark price (quote currency), when reported. */
  markPrice?: number;
  /** Oracle (index) price the venue funds against, when reported. */
  oraclePrice?: number;
  /** Venue premium (perp vs oracle price) as a fraction, when reported. */
  premium?: number;
}

/** One open-interest observation (history). */
export interface OpenInterestPoint {
  /** Observation time, epoch ms. */
  time: number;
  /** Open interest in base-asset units. */
  openInterest: number;
}
