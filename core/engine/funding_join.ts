/**
 * Attaches funding history to candles: each candle gets the rate in force at its close, as a
 * fraction per hour (`Candle.fundingRate`), so indicators see the same units on every venue.
 *
 * This file is the only definition of that rule: the signals CLI joins whole series with
 * {@linkcode joinFunding}, the backtest streams candles through a {@linkcode FundingCursor}, and
 * both must feed the engine the same rates so a backtest trades the signals the CLI prints.
 * @module
 */
import type { Candle } from "../candle.ts";
import type { FundingPoint } from "../market.ts";

const HOUR_MS = 3_600_000;

/** Options for {@linkcode joinFunding} and {@linkcode FundingCursor}. */
export interface FundingJoinOptions {
  /**
   * A settlement older than this many of its own periods (at the candle's close) is stale and
   * not attached: a gap in the funding file must not read as a constant rate. Default 2.
   */
  maxAgePeriods?: number;
}

/** Result of a join: the joined candles plus how many got a rate. */
export interface FundingJoin {
  /** One per input candle, in order; those needing no change are the input objects. */
  candles: Candle[];
  /** Candles that received a `fundingRate`. */
  joined: number;
}

/**
 * Streaming as-of join, so a backtest can attach funding candle by candle without building a
 * second copy of the series. A candle opening at `t` closes at `t + intervalMs`; it gets the
 * latest settlement with `time ≤ close` (known at the close: no look-ahead), divided by that
 * settlement's `periodHours`. Before the first settlement, or when the latest one is older than
 * `maxAgePeriods` of its own periods at the close, the candle gets no rate. The settlements'
 * rate replaces any `fundingRate` the candle already carries (and removes it where none applies):
 * once a funding file is given it is the single source, whatever the candle source knew.
 *
 * Candles must come in non-decreasing time order, settlements in non-decreasing time order with
 * `periodHours > 0` (both checked: `RangeError`). A candle that already carries the right value
 * (or no rate where none applies) is returned as is; otherwise one new candle is allocated, with
 * the `Candle` fields of the input (see `withRate`).
 */
export class FundingCursor {
  readonly #points: readonly FundingPoint[];
  readonly #intervalMs: number;
  readonly #maxAge: number;
  /** Index of the next settlement not yet known. */
  #next = 0;
  /** The latest known settlement: time, per-hour rate, and the age after which it is stale. */
  #time = NaN;
  #perHour = NaN;
  #maxAgeMs = NaN;
  #lastClose = -Infinity;

  /** `points` ascending by time (as `parseFundingCsv` returns them); `intervalMs` > 0. */
  constructor(
    points: readonly FundingPoint[],
    intervalMs: number,
    opts: FundingJoinOptions = {},
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
    // Checked once here so a disordered file fails loudly instead of silently joining a rate
    // from the future or one that was superseded.
    let prev = -Infinity;
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      if (!(p.time >= prev)) {
        throw new RangeError(`funding settlement ${i}: time ${p.time} is before the previous`);
      }
      if (!(p.periodHours > 0)) {
        throw new RangeError(`funding settlement ${i}: periodHours ${p.periodHours} is not > 0`);
      }
      prev = p.time;
    }
    this.#points = points;
    this.#intervalMs = intervalMs;
    this.#maxAge = opts.maxAgePeriods ?? 2;
  }

  /** The candle with `fundingRate` as of its close (see the class doc); the input is not modified. */
  attach(c: Candle): Candle {
    const close = c.time + this.#intervalMs;
    if (close < this.#lastClose) {
      throw new RangeError(`candle time ${c.time} is before the previous candle's`);
    }
    this.#lastClose = close;
    const pts = this.#points;
    let k = this.#next;
    if (k < pts.length && pts[k].time <= close) {
      do k++; while (k < pts.length && pts[k].time <= close);
      this.#take(k);
    }
    if (close - this.#time <= this.#maxAgeMs) {
      const rate = this.#perHour;
      return Object.is(c.fundingRate, rate) ? c : withRate(c, rate);
    }
    if (c.fundingRate === undefined && !("fundingRate" in c)) return c;
    return withRate(c, undefined);
  }

  /** Whether the last {@linkcode attach} found a rate; lets a caller count joined candles. */
  get attached(): boolean {
    return this.#lastClose - this.#time <= this.#maxAgeMs;
  }

  /** Makes settlement `k − 1` the latest known one (kept off the hot path). */
  #take(k: number): void {
    const p = this.#points[k - 1];
    this.#next = k;
    this.#time = p.time;
    this.#perHour = p.rate / p.periodHours;
    this.#maxAgeMs = this.#maxAge * p.periodHours * HOUR_MS;
  }
}

/**
 * The per-hour rate in force at `close` by the same rule as {@linkcode FundingCursor}: the latest
 * settlement with `time ≤ close`, unless it is older than `maxAgePeriods` of its own periods;
 * `undefined` when none applies. For callers that look up candles out of order (a replay of
 * several series, a backfill): a binary search over `points` (ascending by time), O(log n).
 */
export function fundingRateAt(
  points: readonly FundingPoint[],
  close: number,
  opts: FundingJoinOptions = {},
): number | undefined {
  let lo = 0, hi = points.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].time <= close) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return undefined;
  const p = points[found];
  if (!(p.periodHours > 0)) return undefined;
  const maxAgeMs = (opts.maxAgePeriods ?? 2) * p.periodHours * HOUR_MS;
  return close - p.time <= maxAgeMs ? p.rate / p.periodHours : undefined;
}

/**
 * A copy of `c` with `fundingRate` set to `rate`, or absent when `rate` is undefined. It carries
 * the {@linkcode Candle} fields that are set on `c`, built as one literal: about half the cost of
 * a spread per candle (a spread walks the source's keys), and every joined candle has the same
 * shape, which keeps the engine's property reads monomorphic. Properties outside `Candle` are
 * not copied.
 */
function withRate(c: Candle, rate: number | undefined): Candle {
  const o: Candle = rate === undefined
    ? { time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume }
    : {
      time: c.time,
      open: c.open,
      high: c.high,
      low: c.low,
      close: c.close,
      volume: c.volume,
      fundingRate: rate,
    };
  if (c.trades !== undefined) o.trades = c.trades;
  if (c.openInterest !== undefined) o.openInterest = c.openInterest;
  return o;
}

/**
 * As-of join of a whole series (the rule is {@linkcode FundingCursor}'s). Both inputs must be in
 * ascending time order (the CSV parsers ensure it); the input candles are not modified, and those
 * that need no change are shared with the result. O(candles + points).
 */
export function joinFunding(
  candles: readonly Candle[],
  points: readonly FundingPoint[],
  intervalMs: number,
  opts: FundingJoinOptions = {},
): FundingJoin {
  const cursor = new FundingCursor(points, intervalMs, opts);
  const out: Candle[] = new Array(candles.length);
  let joined = 0;
  for (let i = 0; i < candles.length; i++) {
    out[i] = cursor.attach(candles[i]);
    if (cursor.attached) joined++;
  }
  return { candles: out, joined };
}
