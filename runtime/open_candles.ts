/**
 * The still-open candle of each series, for `GET /candles?open=true`. Ingest sees it (the
 * provider's partial updates); in split roles the API process does not, so ingest publishes the
 * newest state per series to Redis at most every `flushMs`, with a TTL of two intervals so a dead
 * ingest's bar disappears instead of going stale.
 * @module
 */
// @ts-types="../plugins/stores/_ioredis.d.ts"
import type { Redis } from "ioredis";
import { type Candle, candleProblem } from "../core/candle.ts";
import { type Interval, intervalMs } from "../core/interval.ts";
import type { Logger } from "../core/log.ts";

/** Where open candles are kept. */
export interface OpenCandles {
  /** Records the newest state of a series' open candle (cheap; called per WebSocket update). */
  put(symbol: string, interval: Interval, candle: Candle): void;
  get(symbol: string, interval: Interval): Promise<Candle | undefined>;
  close(): Promise<void>;
}

/** In-process open candles (`--role all`, or the ingest's own view). */
export class MemoryOpenCandles implements OpenCandles {
  readonly #m = new Map<string, Candle>();

  put(symbol: string, interval: Interval, candle: Candle): void {
    if (candleProblem(candle) !== undefined) return;
    const k = `${symbol}|${interval}`;
    const prev = this.#m.get(k);
    if (prev === undefined || prev.time <= candle.time) this.#m.set(k, candle);
  }

  get(symbol: string, interval: Interval): Promise<Candle | undefined> {
    const c = this.#m.get(`${symbol}|${interval}`);
    return Promise.resolve(c);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Open candles shared through Redis keys `<prefix>:open:<symbol>:<interval>`. */
export class RedisOpenCandles implements OpenCandles {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #dirty = new Map<string, [Interval, Candle]>();
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  readonly #timeoutMs: number;

  constructor(client: Redis, prefix: string, logger: Logger, flushMs = 250, timeoutMs = 1000) {
    this.#client = client;
    this.#prefix = prefix;
    this.#log = logger;
    this.#timeoutMs = timeoutMs;
    this.#timer = flushMs > 0 ? setInterval(() => void this.flush(), flushMs) : undefined;
  }

  #key(symbol: string, interval: Interval): string {
    return `${this.#prefix}:open:${encodeURIComponent(symbol)}:${interval}`;
  }

  put(symbol: string, interval: Interval, candle: Candle): void {
    if (candleProblem(candle) !== undefined) return;
    this.#dirty.set(this.#key(symbol, interval), [interval, candle]);
  }

  /** Writes the pending states (one SET per series); failures are logged and dropped. */
  async flush(): Promise<void> {
    if (this.#dirty.size === 0 || this.#client.status !== "ready") return;
    const batch = [...this.#dirty];
    this.#dirty.clear();
    await Promise.all(batch.map(([key, [interval, candle]]) =>
      this.#withTimeout(
        this.#client.set(key, JSON.stringify(candle), "PX", 2 * intervalMs(interval)),
      ).catch((e) => this.#log.debug("open candle not published", { error: e }))
    ));
  }

  async get(symbol: string, interval: Interval): Promise<Candle | undefined> {
    const raw = await this.#withTimeout(this.#client.get(this.#key(symbol, interval)));
    if (raw === null) return undefined;
    try {
      const c = JSON.parse(raw) as Candle;
      return candleProblem(c) === undefined ? c : undefined;
    } catch {
      return undefined;
    }
  }

  #withTimeout<T>(p: Promise<T>): Promise<T> {
    let t: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      p,
      new Promise<T>((_, rej) => {
        t = setTimeout(() => rej(new Error("redis timed out")), this.#timeoutMs);
      }),
    ]).finally(() => clearTimeout(t));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush().catch(() => {});
  }
}
