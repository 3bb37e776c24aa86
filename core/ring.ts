/**
 * A fixed-capacity ring of numbers, the building block for windowed indicators.
 * @module
 */

/** Fixed-size FIFO over a Float64Array: O(1) push, no allocation after construction. */
export class Ring {
  /** Maximum number of elements held, fixed at construction. */
  readonly capacity: number;
  #buf: Float64Array;
  #head = 0; // index of the oldest element
  #size = 0;

  /** Allocates the buffer once; throws `RangeError` unless `capacity` is a positive integer. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Ring capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#buf = new Float64Array(capacity);
  }

  /** Number of elements held. */
  get size(): number {
    return this.#size;
  }

  /** True when `size === capacity`. */
  get full(): boolean {
    return this.#size === this.capacity;
  }

  /** Appends `x`; when full, evicts and returns the oldest element, else returns NaN. */
  push(x: number): number {
    const cap = this.capacity;
    if (this.#size < cap) {
      let i = this.#head + this.#size;
      if (i >= cap) i -= cap;
      this.#buf[i] = x;
      this.#size++;
      return NaN;
    }
    const old = this.#buf[this.#head];
    this.#buf[this.#head] = x;
    this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
    return old;
  }

  /** The i-th element, 0 = oldest. */
  at(i: number): number {
    let j = this.#head + i;
    if (j >= this.capacity) j -= this.capacity;
    return this.#buf[j];
  }

  /** The newest element (NaN when empty). */
  last(): number {
    return this.#size === 0 ? NaN : this.at(this.#size - 1);
  }

  /** Removes everything. */
  clear(): void {
    this.#head = 0;
    this.#size = 0;
  }
}
