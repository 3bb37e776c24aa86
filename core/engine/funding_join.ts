/**
 * Attaches funding history to candles: each candle gets the rate in force at its close, as a
 * fraction per hour (`Candle.fundingRate`), so indicators see the same units on every venue.
 * @module
 */
import type { Candle } from "../candle.ts";
import type { FundingPoint } from "../market.ts";

/** Options for {@linkcode joinFunding}. */
export interface FundingJoinOptions {
  /**
   * A settlement older than this many of its own periods (at the candle's close) is stale and
   * not attached: a gap in the funding file must not read as a constant rate. Default 2.
   */
  maxAgePeriods?: number;
}

/** Result of a join: new candles plus how many got a rate. */
export interface FundingJoin {
  candles: Candle[];
  /** Candles that received a `fundingRate`. */
  joined: number;
}

/**
 * As-of join: a candle opening at `t` with interval length `intervalMs` closes at
 * `t + intervalMs`; it gets the latest settlement with `time ≤ close` (no look-ahead), divided by
 * that settlement's `periodHours`. Candles before the first settlement, or whose latest settlement
 * is stale, keep no rate. Both inputs must be in ascending time order (the CSV parsers ensure
 * it); the input candles are not modified. O(candles + points).
 */
export function joinFunding(
  candles: readonly Candle[],
  points: readonly FundingPoint[],
  intervalMs: number,
  opts: FundingJoinOptions = {},
): FundingJoin {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  const maxAge = opts.maxAgePeriods ?? 2;
  const out: Candle[] = new Array(candles.length);
  let j = -1;
  let joined = 0;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i];
    const close = c.time + intervalMs;
    while (j + 1 < points.length && points[j + 1].time <= close) j++;
    const p = j >= 0 ? points[j] : undefined;
    if (p !== undefined && close - p.time <= maxAge * p.periodHours * 3_600_000) {
      out[i] = { ...c, fundingRate: p.rate / p.periodHours };
      joined++;
    } else {
      const { fundingRate: _drop, ...rest } = c;
      out[i] = rest;
    }
  }
  return { candles: out, joined };
}
