/**
 * Where a value ranks among the last `capacity` inputs, for "is the Bollinger width in the lowest
 * 20 % of its own last 120 bars".
 *
 * The window is a FIFO ring whose slots are also the nodes of a doubly linked list in value order
 * (ties in arrival order). Removing the oldest value unlinks its node in O(1), and the new value
 * is linked in by walking from the previous new value's node, whose rank is remembered: the rank
 * of the new value is that rank plus or minus the nodes walked past. A series such as a band
 * width moves little from one bar to the next, so the walk is a few nodes (about 6 on 1m GBM
 * widths) where a sorted array had to shift every value between the evicted and the new one's
 * slots (about 40). Worst case O(capacity) per push, like the sorted array.
 * @module
 */

/** Sliding-window order statistics over numbers (NaN is not allowed). */
export class RollingRank {
  /** Window length. */
  readonly capacity: number;
  /** Values by ring slot; slot `capacity` is the list's sentinel and holds NaN, which ends walks. */
  #vals: Float64Array;
  /** Next and previous node in value order (the sentinel links both ends). */
  #next: Int32Array;
  #prev: Int32Array;
  #head = 0; // ring slot of the oldest value once full
  #size = 0;
  #last: number; // slot of the newest value; the sentinel while empty
  #lastRank = 0; // nodes before it in value order

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#last = capacity;
    this.#vals = new Float64Array(capacity + 1);
    this.#vals[capacity] = NaN;
    this.#next = new Int32Array(capacity + 1).fill(capacity);
    this.#prev = new Int32Array(capacity + 1).fill(capacity);
  }

  /** Number of values held. */
  get size(): number {
    return this.#size;
  }

  /** True when `size === capacity`. */
  get full(): boolean {
    return this.#size === this.capacity;
  }

  /** Number of held values strictly below `x` (a scan, for inspection and tests). */
  countBelow(x: number): number {
    let n = 0;
    for (let i = 0; i < this.#size; i++) n += +(this.#vals[i] < x);
    return n;
  }

  /** Number of held values at or below `x` (a scan, for inspection and tests). */
  countAtMost(x: number): number {
    let n = 0;
    for (let i = 0; i < this.#size; i++) n += +(this.#vals[i] <= x);
    return n;
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
    const cap = this.capacity;
    let slot = this.#head;
    let ref = this.#last;
    let rank = this.#lastRank;
    if (this.#size < cap) slot = this.#size++; // filling: nothing to evict
    else {
      // Evict the oldest value: it precedes the reference node when not above it (it arrived
      // first); if it is the reference (capacity 1), the list empties and the sentinel (which
      // follows every node) becomes the reference.
      this.#head = slot + 1 === cap ? 0 : slot + 1;
      if (slot === ref) {
        ref = cap;
        rank = 0;
      } else rank -= +(this.#vals[slot] <= this.#vals[ref]);
      this.#unlink(slot);
    }
    return this.#link(slot, x, ref, rank);
  }

  // Removes node `slot` from the value order.
  #unlink(slot: number): void {
    const next = this.#next;
    const prev = this.#prev;
    const p = prev[slot];
    const n = next[slot];
    next[p] = n;
    prev[n] = p;
  }

  // Stores x in `slot` and links it after the last node at or below x (ties stay in arrival
  // order), found by walking from node `ref`, which has `rank` nodes before it (the sentinel:
  // all of them); returns x's mid-rank.
  #link(slot: number, x: number, ref: number, rank: number): number {
    const vals = this.#vals;
    const next = this.#next;
    const prev = this.#prev;
    vals[slot] = x;
    let at = ref;
    if (x >= vals[ref]) { // never for the sentinel, whose value is NaN
      rank++;
      for (let c = next[at]; vals[c] <= x; c = next[c]) { // the sentinel's NaN stops the walk
        at = c;
        rank++;
      }
    } else {
      at = prev[ref];
      while (vals[at] > x) {
        at = prev[at];
        rank--;
      }
    }
    // `rank` is now the number of nodes up to `at`, i.e. before x.
    const after = next[at];
    next[at] = slot;
    prev[slot] = at;
    next[slot] = after;
    prev[after] = slot;
    this.#last = slot;
    this.#lastRank = rank;
    // Values equal to x sit right before it; `rank` counts them, `below` must not.
    let equal = 1;
    for (let c = at; vals[c] === x; c = prev[c]) equal++;
    return (rank - (equal - 1) + equal / 2) / this.#size;
  }
}
