/**
 * Wilder's smoothing as TA-Lib does it for RSI and ATR: the plain mean of the first `period`
 * inputs, then `avg = (avg * (period - 1) + x) / period`, in that operation order.
 * @module
 */

/** Streaming Wilder average. NaN until `period` inputs were seen; O(1), no allocation. */
export class WilderAverage {
  /** Inputs averaged for the seed; also the smoothing length. */
  readonly period: number;
  /** Current average, NaN during warm-up. */
  value = NaN;
  #seen = 0;
  #sum = 0;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1) {
      throw new RangeError(`Wilder period must be a positive integer, got ${period}`);
    }
    this.period = period;
  }

  /** True once the seed exists. */
  get ready(): boolean {
    return this.#seen >= this.period;
  }

  /** Feeds one input and returns the average (NaN during warm-up). */
  update(x: number): number {
    const n = this.period;
    if (this.#seen >= n) {
      this.value = (this.value * (n - 1) + x) / n;
      return this.value;
    }
    this.#sum += x;
    if (++this.#seen === n) this.value = this.#sum / n;
    return this.value;
  }
}
