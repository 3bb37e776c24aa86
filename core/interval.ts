/**
 * Candle intervals. The names are Hyperliquid's, which are also the common exchange spelling.
 * @module
 */

/** Every interval a provider may offer, shortest first. */
export const INTERVALS = [
  "1m",
  "3m",
  "5m",
  "15m",
  "30m",
  "1h",
  "2h",
  "4h",
  "8h",
  "12h",
  "1d",
  "3d",
  "1w",
  "1M",
] as const;

/** A candle interval name such as `"1m"` or `"1h"`. */
export type Interval = typeof INTERVALS[number];

const MINUTE = 60_000;
const MS: Record<Interval, number> = {
  "1m": MINUTE,
  "3m": 3 * MINUTE,
  "5m": 5 * MINUTE,
  "15m": 15 * MINUTE,
  "30m": 30 * MINUTE,
  "1h": 60 * MINUTE,
  "2h": 120 * MINUTE,
  "4h": 240 * MINUTE,
  "8h": 480 * MINUTE,
  "12h": 720 * MINUTE,
  "1d": 1440 * MINUTE,
  "3d": 3 * 1440 * MINUTE,
  "1w": 7 * 1440 * MINUTE,
  "1M": 30 * 1440 * MINUTE,
};

/** True when `s` names a known interval. */
export function isInterval(s: unknown): s is Interval {
  return typeof s === "string" && (INTERVALS as readonly string[]).includes(s);
}

/**
 * Nominal length of an interval in ms. `1M` is calendar-based at the venue; 30 days is used only
 * for budgeting (paging, grace periods), never for candle keys.
 */
export function intervalMs(i: Interval): number {
  return MS[i];
}

/** Open time of the bar after the one opening at `time` (calendar-exact for `1M`). */
export function nextOpenTime(i: Interval, time: number): number {
  if (i !== "1M") return time + MS[i];
  const d = new Date(time);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
