/**
 * The as-of join that puts funding on candles for the signal engine: each candle carries the rate
 * of the latest settlement strictly before its close, normalised to a fraction per hour (the unit
 * of `Candle.fundingRate`). Only settlements already known when the candle closed are used, so the
 * join cannot leak the future into a signal.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { FundingPoint } from "../core/market.ts";

/**
 * A streaming as-of join: call {@linkcode FundingJoin.attach} with candles in time order. It
 * allocates one new candle per call only when a rate is known and the candle has none of its own.
 */
export class FundingJoin {
  readonly #points: readonly FundingPoint[];
  readonly #intervalMs: number;
  #i = 0;
  #perHour: number | undefined = undefined;

  /** `points` sorted by time (as `parseFundingCsv` returns them); `intervalMs` is the candle length. */
  constructor(points: readonly FundingPoint[], intervalMs: number) {
    this.#points = points;
    this.#intervalMs = intervalMs;
  }

  /** The candle with `fundingRate` set as of its close; unchanged if it has one or none is known. */
  attach(c: Candle): Candle {
    const close = c.time + this.#intervalMs;
    const pts = this.#points;
    while (this.#i < pts.length && pts[this.#i].time < close) {
      const p = pts[this.#i++];
      this.#perHour = p.rate / (p.periodHours > 0 ? p.periodHours : 1);
    }
    if (this.#perHour === undefined || c.fundingRate !== undefined) return c;
    return { ...c, fundingRate: this.#perHour };
  }
}

/** Joins a whole series (see {@linkcode FundingJoin}); returns new candles, the input is untouched. */
export function joinFunding(
  candles: readonly Candle[],
  points: readonly FundingPoint[],
  intervalMs: number,
): Candle[] {
  const j = new FundingJoin(points, intervalMs);
  return candles.map((c) => j.attach(c));
}
