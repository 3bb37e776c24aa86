/**
 * Tracks in-flight async work so a graceful stop can wait for it, within a bound.
 * @module
 */

/** A set of running promises that can be drained. */
export class InFlight {
  #running = new Set<Promise<unknown>>();

  /** Number of tasks still running. */
  get size(): number {
    return this.#running.size;
  }

  /** Runs `task` and tracks it until it settles. Rejections are passed to `onError`. */
  run(task: () => Promise<unknown>, onError: (e: unknown) => void): void {
    const p = task().catch(onError).finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  /** Waits until nothing runs or `timeoutMs` passes; resolves true when drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...this.#running]),
        new Promise((r) => timer = setTimeout(r, left)),
      ]);
      clearTimeout(timer);
    }
    return true;
  }
}
