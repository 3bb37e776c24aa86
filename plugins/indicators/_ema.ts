/**
 * The exponential moving average exactly as TA-Lib seeds it: undefined (NaN) for the first
 * `period - 1` inputs, then the simple mean of the first `period` inputs, then
 * `e = (x - e) * k + e` with `k = 2 / (period + 1)`. Written in TA-Lib's operation order so
 * values match it to the last bits, not just to a tolerance.
 * @module
 */

/** Streaming SMA-seeded EMA. O(1) per input, no allocation. */
export class SmaSeededEma {
  /** Number of inputs averaged for the seed. */
  readonly period: number;
  /** Smoothing factor `2 / (period + 1)`. */
  readonly k: number;
  /** Current EMA, NaN until `period` inputs were seen. */
  value = NaN;
  #seen = 0;
  #sum = 0;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1) {
      throw new RangeError(`EMA period must be a positive integer, got ${period}`);
    }
    this.period = period;
    this.k = 2 / (period + 1);
  }

  /** True once the seed exists. */
  get ready(): boolean {
    return this.#seen >= this.period;
  }

  /** Feeds one input and returns the EMA (NaN during warm-up). */
  update(x: number): number {
    if (this.#seen >= this.period) {
      this.value = (x - this.value) * this.k + this.value;
      return this.value;
    }
    this.#sum += x;
    if (++this.#seen === this.period) this.value = this.#sum / this.period;
    return this.value;
  }

  /**
   * Starts the EMA at `value` as if `period` inputs had been seen. TA-Lib's MACD seeds its fast
   * EMA this way, with a window that ends where the slow EMA's seed ends.
   */
  seed(value: number): void {
    this.#seen = this.period;
    this.value = value;
  }
}
