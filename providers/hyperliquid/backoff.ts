/**
 * Capped, jittered exponential backoff, shared by reconnects and REST retries.
 * @module
 */

/** Backoff parameters; delays are in ms. */
export interface BackoffOptions {
  /** First delay ceiling. */
  baseMs: number;
  /** Largest delay ever returned. */
  capMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (0-based): "full jitter", uniform in
 * [ceiling / 2, ceiling] with ceiling = min(cap, base · 2^attempt). Half the ceiling is kept so a
 * thundering herd of reconnects still spreads out but never retries instantly.
 */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  const ceiling = Math.min(o.capMs, o.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  const r = (o.random ?? Math.random)();
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

/** Resolves after `ms`, or early (rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const id = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(id);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
