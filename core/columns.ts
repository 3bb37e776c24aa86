/**
 * Candles as columns, the input of whole-series computations ({@linkcode computeColumns}).
 * @module
 */
import { type Candle, CandleError, candleProblem } from "./candle.ts";
import type { CandleColumns } from "./indicator.ts";

/**
 * Validates every candle (as the engine does: {@linkcode candleProblem}, then strictly increasing
 * time) and copies it into columns. Throws {@linkcode CandleError} naming the first bad row
 * (1-based), so a batch never computes over data the streaming path would refuse.
 */
export function candleColumns(candles: readonly Candle[]): CandleColumns {
  const n = candles.length;
  const time = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const fundingRate = new Float64Array(n);
  const openInterest = new Float64Array(n);
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const c = candles[i];
    const problem = candleProblem(c);
    if (problem !== undefined) throw new CandleError(`row ${i + 1}: ${problem}`);
    if (!(c.time > last)) {
      throw new CandleError(`row ${i + 1}: time ${c.time} is not after the previous row's ${last}`);
    }
    last = c.time;
    time[i] = c.time;
    open[i] = c.open;
    high[i] = c.high;
    low[i] = c.low;
    close[i] = c.close;
    volume[i] = c.volume;
    fundingRate[i] = c.fundingRate ?? NaN;
    openInterest[i] = c.openInterest ?? NaN;
  }
  return { length: n, time, open, high, low, close, volume, fundingRate, openInterest };
}
