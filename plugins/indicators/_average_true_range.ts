/**
 * TA-Lib's ATR core, shared by the ATR indicator and SuperTrend: the true range counts from the
 * second bar on (the first bar has no previous close, so its high − low is not used), and the
 * ranges are Wilder-smoothed with a plain-mean seed. First value after `period + 1` bars.
 * @module
 */
import { WilderAverage } from "./_wilder.ts";

/** Streaming average true range; O(1) per bar, no allocation. */
export class AverageTrueRange {
  #wilder: WilderAverage;
  #prevClose = NaN;
  /** The latest true range (NaN on the first bar). */
  trueRange = NaN;

  constructor(period: number) {
    this.#wilder = new WilderAverage(period);
  }

  /** Current ATR, NaN during warm-up. */
  get value(): number {
    return this.#wilder.value;
  }

  /** Feeds one bar and returns the ATR (NaN during warm-up). */
  update(high: number, low: number, close: number): number {
    const pc = this.#prevClose;
    this.#prevClose = close;
    if (pc !== pc) return NaN; // first bar: no true range yet
    let tr = high - low;
    const up = pc > high ? pc - high : high - pc;
    if (up > tr) tr = up;
    const down = pc > low ? pc - low : low - pc;
    if (down > tr) tr = down;
    this.trueRange = tr;
    return this.#wilder.update(tr);
  }
}
