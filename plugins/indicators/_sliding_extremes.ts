/**
 * Lowest low and highest high of the last `capacity` bars, for the volume profile's row span.
 *
 * Block extremes (van Herk / Gil-Werman) over a ring: bar t lives in slot t mod capacity, so the
 * slots written since the ring last wrapped are a prefix of the current pass and the rest of the
 * window is a suffix of the previous pass. The previous pass's suffix extremes are computed once,
 * when the ring wraps (O(capacity) per capacity bars), and the current pass's are running values,
 * so each bar costs two comparisons per side and no data-dependent loop. Monotonic deques, the
 * usual alternative, pop a data-dependent number of entries per bar, a branch the CPU mispredicts
 * on most bars. Memory: four numbers per slot.
 * @module
 */

/** Sliding-window minimum of lows and maximum of highs; the ring is also the bars' storage. */
export class SlidingExtremes {
  /** Window length. */
  readonly capacity: number;
  /** Lows by ring slot (bar t in slot t mod capacity). */
  readonly lows: Float64Array;
  /** Highs by ring slot. */
  readonly highs: Float64Array;
  /** Lowest low of the window after the latest push (+Infinity before the first). */
  min = Infinity;
  /** Highest high of the window after the latest push (−Infinity before the first). */
  max = -Infinity;
  /** Extremes of the previous pass over slots j..capacity−1; slot capacity is neutral. */
  #sufLow: Float64Array;
  #sufHigh: Float64Array;
  /** Extremes of the current pass so far. */
  #preLow = Infinity;
  #preHigh = -Infinity;
  #full = false; // a whole pass was written

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.lows = new Float64Array(capacity);
    this.highs = new Float64Array(capacity);
    this.#sufLow = new Float64Array(capacity + 1).fill(Infinity);
    this.#sufHigh = new Float64Array(capacity + 1).fill(-Infinity);
  }

  /**
   * Writes the next bar into `slot` and updates `min` and `max` for the window of the last
   * `capacity` bars. Slots must come in ring order (0, 1, … capacity − 1, 0, …), the caller's own
   * ring order; that is not checked here (this sits on the hot path, inlined into the caller).
   */
  push(slot: number, low: number, high: number): void {
    if (slot === 0 && this.#full) this.#newPass();
    if (slot + 1 === this.capacity) this.#full = true;
    this.lows[slot] = low;
    this.highs[slot] = high;
    if (low < this.#preLow) this.#preLow = low;
    if (high > this.#preHigh) this.#preHigh = high;
    // The window: the previous pass's slots after `slot`, then this pass's up to it.
    const sl = this.#sufLow[slot + 1];
    const sh = this.#sufHigh[slot + 1];
    this.min = sl < this.#preLow ? sl : this.#preLow;
    this.max = sh > this.#preHigh ? sh : this.#preHigh;
  }

  // The ring wrapped: the pass just completed becomes the previous one. Its suffix extremes
  // (slots 1..capacity−1; slot 0 is about to be overwritten) are computed once, and the running
  // extremes restart. (Before the first wrap the suffixes stay neutral: the window is the
  // current pass alone.)
  #newPass(): void {
    const lows = this.lows;
    const highs = this.highs;
    const sufLow = this.#sufLow;
    const sufHigh = this.#sufHigh;
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = this.capacity - 1; j > 0; j--) {
      const l = lows[j];
      const h = highs[j];
      if (l < lo) lo = l;
      if (h > hi) hi = h;
      sufLow[j] = lo;
      sufHigh[j] = hi;
    }
    this.#preLow = Infinity;
    this.#preHigh = -Infinity;
  }
}
