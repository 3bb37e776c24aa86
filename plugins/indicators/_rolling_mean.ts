/**
 * Mean of the last `period` inputs with a running sum that is recomputed from the window each
 * time the ring wraps, so add/subtract rounding cannot drift over millions of bars. O(1)
 * amortised, no allocation after construction.
 * @module
 */

/** Sliding-window simple mean. */
export class RollingMean {
  /** Window length. */
  readonly period: number;
  #buf: Float64Array;
  #head = 0;
  #size = 0;
  #sum = 0;

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

  /** Mean of the window, NaN until it is full. */
  get value(): number {
    return this.#size === this.period ? this.#sum / this.period : NaN;
  }

  /** Adds one input, evicting the oldest when full. */
  push(x: number): void {
    const n = this.period;
    const buf = this.#buf;
    if (this.#size < n) this.#size++;
    else this.#sum -= buf[this.#head];
    buf[this.#head] = x;
    this.#sum += x;
    if (++this.#head === n) {
      this.#head = 0;
      let s = 0;
      for (let i = 0; i < n; i++) s += buf[i];
      this.#sum = s;
    }
  }
}
