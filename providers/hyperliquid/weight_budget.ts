/**
 * The REST weight budget: Hyperliquid allows 1200 weight per minute per IP (§4). Requests take
 * their weight from a token bucket before they are sent, so the budget is never exceeded by us;
 * a 429 (someone else on the IP, or a server-side view that differs) empties the bucket.
 * @module
 */
import { sleep } from "./backoff.ts";

/** Info request weights (§4): 2 for cheap reads, 20 for the rest, plus per-item extras. */
export function infoWeight(type: string, expectedItems = 0): number {
  switch (type) {
    case "l2Book":
    case "allMids":
    case "clearinghouseState":
    case "orderStatus":
    case "exchangeStatus":
      return 2;
    case "candleSnapshot":
      return 20 + Math.ceil(expectedItems / 60);
    case "fundingHistory":
      return 20 + Math.ceil(expectedItems / 20);
    default:
      return 20;
  }
}

/** A token bucket refilled continuously at `perMinute / 60 000` tokens per ms. */
export class WeightBudget {
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly perMinute = 1200,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perMinute > 0)) throw new RangeError(`perMinute must be positive, got ${perMinute}`);
    this.#tokens = perMinute;
    this.#last = now();
  }

  #refill(): void {
    const t = this.now();
    this.#tokens = Math.min(
      this.perMinute,
      this.#tokens + (t - this.#last) * this.perMinute / 60_000,
    );
    this.#last = t;
  }

  /** Tokens available right now. */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  /**
   * Waits (in FIFO order) until `weight` tokens are available and takes them. A weight above the
   * bucket size is clamped to it, so one oversized request cannot wait forever.
   */
  take(weight: number, signal?: AbortSignal): Promise<void> {
    const w = Math.min(Math.max(0, weight), this.perMinute);
    const run = async () => {
      for (let i = 0; i < 1000; i++) {
        this.#refill();
        if (this.#tokens >= w) {
          this.#tokens -= w;
          return;
        }
        const waitMs = Math.ceil((w - this.#tokens) * 60_000 / this.perMinute);
        await sleep(Math.max(1, waitMs), signal);
      }
      throw new Error("weight budget: gave up waiting");
    };
    const p = this.#queue.then(run);
    this.#queue = p.catch(() => {});
    return p;
  }

  /** Empties the bucket (after a 429): the next request waits for a refill. */
  drain(): void {
    this.#refill();
    this.#tokens = 0;
  }
}
