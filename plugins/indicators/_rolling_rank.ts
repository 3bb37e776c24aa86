/**
 * Where a value ranks among the last `capacity` inputs: a FIFO ring plus the same values kept
 * sorted, so a rank query is a binary search and a push moves only the elements between the
 * evicted value's slot and the new value's slot. Used for "is the Bollinger width in the lowest
 * 20 % of its own last 120 bars" without re-sorting per bar.
 * @module
 */

/** Sliding-window order statistics over numbers (NaN is not allowed). */
export class RollingRank {
  /** Window length. */
  readonly capacity: number;
  #fifo: Float64Array;
  #sorted: Float64Array;
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#fifo = new Float64Array(capacity);
    this.#sorted = new Float64Array(capacity);
  }

  /** Number of values held. */
  get size(): number {
    return this.#size;
  }

  /** True when `size === capacity`. */
  get full(): boolean {
    return this.#size === this.capacity;
  }

  /** Number of held values strictly below `x`. */
  countBelow(x: number): number {
    return this.#lowerBound(x, this.#size);
  }

  /** Number of held values at or below `x`. */
  countAtMost(x: number): number {
    const s = this.#sorted;
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Mid-rank of `x` among the held values as a fraction in [0, 1]: (below + equal/2) / size, so
   * a value equal to every other one ranks 0.5, not 0. NaN when empty.
   */
  percentile(x: number): number {
    const below = this.countBelow(x);
    return (below + (this.countAtMost(x) - below) / 2) / this.#size;
  }

  /** Adds `x`, evicting the oldest value when full. */
  push(x: number): void {
    if (x !== x) throw new RangeError("RollingRank cannot hold NaN");
    const s = this.#sorted;
    const cap = this.capacity;
    if (this.#size < cap) {
      this.#fifo[this.#head] = x;
      this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
      let j = this.#size++;
      while (j > 0 && s[j - 1] > x) {
        s[j] = s[j - 1];
        j--;
      }
      s[j] = x;
      return;
    }
    const old = this.#fifo[this.#head];
    this.#fifo[this.#head] = x;
    this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
    let i = this.#lowerBound(old, cap); // s[i] === old
    if (x > old) {
      while (i + 1 < cap && s[i + 1] < x) {
        s[i] = s[i + 1];
        i++;
      }
    } else {
      while (i > 0 && s[i - 1] > x) {
        s[i] = s[i - 1];
        i--;
      }
    }
    s[i] = x;
  }

  #lowerBound(x: number, n: number): number {
    const s = this.#sorted;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
