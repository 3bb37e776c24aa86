/**
 * Where a value ranks among the last `capacity` inputs: a FIFO ring plus the same values kept
 * sorted. A push finds the evicted value by binary search and slides the new value from that slot
 * to its own, shifting the elements between them by one, and it returns the new value's rank as a
 * by-product, so "is the Bollinger width in the lowest 20 % of its own last 120 bars" costs two
 * binary searches per bar, never a re-sort or a scan of the window.
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
    return this.#lowerBound(x, 0, this.#size);
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

  /**
   * Adds `x`, evicting the oldest value when full, and returns `percentile(x)` over the window
   * that now holds it.
   */
  push(x: number): number {
    if (x !== x) throw new RangeError("RollingRank cannot hold NaN");
    const s = this.#sorted;
    const cap = this.capacity;
    const fifo = this.#fifo;
    let pos: number;
    if (this.#size < cap) {
      const n = this.#size++;
      pos = this.#lowerBound(x, 0, n);
      s.copyWithin(pos + 1, pos, n);
    } else {
      // Slide x from the evicted value's slot to its own, shifting the values in between by one:
      // the two slots are usually a few dozen apart, and a plain loop beats a call to copyWithin.
      const old = fifo[this.#head];
      let j = this.#firstAtLeast(old, cap); // s[j] === old
      // The window's own extremes bound each slide, so the loops need no index checks.
      if (x > old) {
        const last = cap - 1;
        if (s[last] < x) {
          s.copyWithin(j, j + 1, cap);
          j = last;
        } else {
          while (s[j + 1] < x) {
            s[j] = s[j + 1];
            j++;
          }
        }
      } else if (s[0] >= x) {
        s.copyWithin(1, 0, j);
        j = 0;
      } else {
        while (s[j - 1] >= x) {
          s[j] = s[j - 1];
          j--;
        }
      }
      pos = j;
    }
    s[pos] = x;
    fifo[this.#head] = x;
    this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
    const size = this.#size;
    let equal = 1;
    for (let k = pos + 1; k < size && s[k] === x; k++) equal++;
    return (pos + equal / 2) / size;
  }

  // Same as #lowerBound(x, 0, n) with a fixed number of halvings (its steps can be branch-free).
  #firstAtLeast(x: number, n: number): number {
    const s = this.#sorted;
    let lo = 0;
    while (n > 1) {
      const half = n >>> 1;
      lo = s[lo + half - 1] < x ? lo + half : lo;
      n -= half;
    }
    return s[lo] < x ? lo + 1 : lo;
  }

  #lowerBound(x: number, from: number, to: number): number {
    const s = this.#sorted;
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
