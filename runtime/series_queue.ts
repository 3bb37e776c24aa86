/**
 * Serialises work per (symbol, interval) so candles of one series are stored and evaluated in
 * order, while different series proceed concurrently.
 * @module
 */

/** Per-key promise chains. */
export class SeriesQueue {
  #tails = new Map<string, Promise<void>>();

  /** Appends `task` to the chain for `key`; resolves when it ran. Errors go to the caller. */
  enqueue(key: string, task: () => Promise<void>): Promise<void> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => {}).finally(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    this.#tails.set(key, tail);
    return next;
  }
}
