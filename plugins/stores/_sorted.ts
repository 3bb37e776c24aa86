/**
 * Sorted-by-time candle series helpers shared by the memory store and the KV block codec.
 * @module
 */
import type { Candle } from "perptrix";

/** Index of the first candle with `time >= t` (binary search). */
export function lowerBound(rows: readonly Candle[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid].time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first candle with `time > t`. */
export function upperBound(rows: readonly Candle[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid].time <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Merges sorted, de-duplicated `incoming` into sorted `base`; on equal times `incoming` wins.
 * Appends in place when everything is newer (the live path); otherwise builds a new array.
 */
export function mergeCandles(base: Candle[], incoming: readonly Candle[]): Candle[] {
  if (incoming.length === 0) return base;
  if (base.length === 0 || incoming[0].time > base[base.length - 1].time) {
    for (const c of incoming) base.push(c);
    return base;
  }
  const out: Candle[] = new Array(base.length + incoming.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < base.length && j < incoming.length) {
    const a = base[i];
    const b = incoming[j];
    if (a.time < b.time) {
      out[k++] = a;
      i++;
    } else if (a.time > b.time) {
      out[k++] = b;
      j++;
    } else {
      out[k++] = b;
      i++;
      j++;
    }
  }
  while (i < base.length) out[k++] = base[i++];
  while (j < incoming.length) out[k++] = incoming[j++];
  out.length = k;
  return out;
}
