/**
 * Thinning long series for reports: a 1M-candle run cannot be drawn or shipped point by point.
 * Candles are merged into OHLC buckets (so highs and lows survive), curves keep the bucket's last
 * point and its extreme, so a drawdown's bottom is never smoothed away.
 * @module
 */
import type { Candle } from "../core/candle.ts";

/** Candles merged into at most `max` buckets of consecutive candles (OHLCV kept exact). */
export function bucketCandles(candles: readonly Candle[], max: number): Candle[] {
  const n = candles.length;
  if (n <= max) return candles.slice();
  const size = Math.ceil(n / max);
  const out: Candle[] = [];
  for (let i = 0; i < n; i += size) {
    const end = Math.min(n, i + size);
    let high = -Infinity;
    let low = Infinity;
    let volume = 0;
    for (let j = i; j < end; j++) {
      const c = candles[j];
      if (c.high > high) high = c.high;
      if (c.low < low) low = c.low;
      volume += c.volume;
    }
    out.push({
      time: candles[i].time,
      open: candles[i].open,
      high,
      low,
      close: candles[end - 1].close,
      volume,
    });
  }
  return out;
}

/**
 * Indices of at most ~`max` points of a curve: the first and last, and per bucket the last point
 * and the lowest one (so the deepest drawdown is always kept). Ascending, no duplicates.
 */
export function curveSample(values: ArrayLike<number>, max: number): number[] {
  const n = values.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const size = Math.ceil(n / Math.max(1, Math.floor(max / 2)));
  const out: number[] = [0];
  for (let i = 0; i < n; i += size) {
    const end = Math.min(n, i + size);
    let lo = i;
    for (let j = i + 1; j < end; j++) if (values[j] < values[lo]) lo = j;
    if (lo > out[out.length - 1]) out.push(lo);
    if (end - 1 > out[out.length - 1]) out.push(end - 1);
  }
  return out;
}
