/**
 * The candle rule of `candleProblem` (core/candle.ts) as a bare yes/no, for the per-candle path: small
 * enough for the optimising compiler to inline into the series' `update`, where `candleProblem`
 * (which builds its messages) is a call. The series asks `candleProblem` for the message only
 * when this says no, and tests hold the two to the same answer.
 * @module
 */
import type { Candle } from "../candle.ts";

/** True exactly when `candleProblem(c)` is `undefined`. */
export function isValidCandle(c: Candle): boolean {
  if (c === null || typeof c !== "object") return false;
  const { time, open, high, low, close, volume } = c;
  if (!Number.isSafeInteger(time) || time < 0) return false;
  if (!(open > 0) || !Number.isFinite(open) || !(high > 0) || !Number.isFinite(high)) return false;
  if (!(low > 0) || !Number.isFinite(low) || !(close > 0) || !Number.isFinite(close)) return false;
  if (!(volume >= 0) || !Number.isFinite(volume)) return false;
  if (high < low || high < open || high < close || low > open || low > close) return false;
  const { trades, fundingRate, openInterest } = c;
  return (trades === undefined || (Number.isSafeInteger(trades) && trades >= 0)) &&
    (fundingRate === undefined || Number.isFinite(fundingRate)) &&
    (openInterest === undefined || (openInterest >= 0 && Number.isFinite(openInterest)));
}
