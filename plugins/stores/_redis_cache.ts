/**
 * The Redis cache layer, in front of any store (write-through; the store stays the source of
 * truth):
 * - hot candles per symbol and interval: a sorted set scored by open time, capped to the newest
 *   `hotCandles` (a sorted set rather than a list so an upsert replaces the bar with the same
 *   time atomically, in one Lua script);
 * - the latest signal per symbol and interval: one hash, a field replaced only by a newer signal;
 * - announcements of new signals on the `perptrix:signals` channel when a {@linkcode RedisBus} is
 *   given (closed candles are announced by whoever closes them, through the bus).
 *
 * A series' cache is filled from the store on its first read ("warm") and only then kept up to
 * date, so it always holds exactly the newest candles of the store. A version counter bumped by
 * every write makes a warm-up that raced a write give up instead of caching stale rows.
 *
 * When Redis is down every call is served by the store; series whose cache update failed are
 * marked dirty, bypassed, and dropped from Redis once it is back, so no stale candle is served.
 * @module
 */
import type {
  Candle,
  Health,
  Interval,
  Logger,
  RangeQuery,
  SignalRecord,
  Store,
  StrategyDoc,
} from "perptrix";
import { closeRedis, connectRedis, type RedisClient } from "./_redis_connection.ts";
import type { RedisBus } from "./_redis_bus.ts";
import { checkCandleBatch, checkCount, checkRange, checkSeries } from "./_validate.ts";

/** Options of the cache layer. */
export interface RedisCacheOptions {
  /** Redis URL (REDIS_URL). */
  url: string;
  /** Candles kept hot per series (default 500). */
  hotCandles?: number;
  /** Key prefix (default "perptrix:"); tests use a unique one per run. */
  prefix?: string;
  /** Expiry of cached keys, refreshed on every write (default 7 days). */
  ttlSeconds?: number;
  /** Announces each upserted signal when given. */
  bus?: RedisBus;
  logger?: Logger;
}

// KEYS: zset, version, warm flag. ARGV: cap, ttl, then time/json pairs (ascending time).
const UPSERT_CANDLES = `
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
for i = 3, #ARGV, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[i], ARGV[i])
  redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return 1`;

// KEYS: zset, version, warm flag. ARGV: expected version ("" = none), ttl, then time/json pairs.
const WARM_CANDLES = `
local v = redis.call('GET', KEYS[2]) or ''
if v ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
if #ARGV > 2 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
redis.call('SET', KEYS[3], '1', 'EX', ARGV[2])
return 1`;

// KEYS: zset, warm flag. ARGV: n. Returns nil when the series is not cached.
const READ_CANDLES = `
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
return redis.call('ZRANGE', KEYS[1], -tonumber(ARGV[1]), -1)`;

// KEYS: latest hash, time hash, warm flag. ARGV: mode ("write" | "warm"), ttl, then
// field/time/json triples. A field is replaced only by a signal at least as new.
const MERGE_SIGNALS = `
if ARGV[1] == 'write' and redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
for i = 3, #ARGV, 3 do
  local cur = redis.call('HGET', KEYS[2], ARGV[i])
  if (not cur) or tonumber(ARGV[i + 1]) >= tonumber(cur) then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
  end
end
if ARGV[1] == 'warm' then redis.call('SET', KEYS[3], '1', 'EX', ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return 1`;

/** A store whose hot reads come from Redis. */
export class RedisCachedStore implements Store {
  readonly id: string;
  readonly #inner: Store;
  readonly #redis: RedisClient;
  readonly #cap: number;
  readonly #prefix: string;
  readonly #ttl: number;
  readonly #bus: RedisBus | undefined;
  readonly #log: Logger | undefined;
  /** Cache keys whose update failed: bypassed until deleted from Redis. */
  readonly #dirty = new Set<string>();
  #signalsDirty = false;
  #hits = 0;
  #misses = 0;

  constructor(inner: Store, opts: RedisCacheOptions) {
    this.#inner = inner;
    this.id = `${inner.id}+redis`;
    this.#cap = opts.hotCandles ?? 500;
    if (!Number.isSafeInteger(this.#cap) || this.#cap < 1 || this.#cap > 100_000) {
      throw new Error(`hotCandles ${opts.hotCandles} is not an integer in 1..100000`);
    }
    this.#prefix = opts.prefix ?? "perptrix:";
    this.#ttl = opts.ttlSeconds ?? 7 * 86_400;
    this.#bus = opts.bus;
    this.#log = opts.logger;
    this.#redis = connectRedis({ url: opts.url, logger: opts.logger, name: "cache" });
    this.#redis.on("ready", () => {
      this.#cleanDirty().catch(() => {/* retried on the next reconnect or write */});
    });
  }

  /** Cache hits and misses since start (for tests and diagnostics). */
  get stats(): { hits: number; misses: number; dirty: number } {
    return { hits: this.#hits, misses: this.#misses, dirty: this.#dirty.size };
  }

  #keys(symbol: string, interval: Interval): [string, string, string] {
    const base = `${this.#prefix}candles:${symbol}:${interval}`;
    return [base, `${base}:ver`, `${base}:warm`];
  }

  #signalKeys(): [string, string, string] {
    const base = `${this.#prefix}signals:latest`;
    return [base, `${base}:time`, `${base}:warm`];
  }

  async #cleanDirty(): Promise<void> {
    for (const z of [...this.#dirty]) {
      await this.#redis.del(z, `${z}:warm`);
      this.#dirty.delete(z);
    }
    if (this.#signalsDirty) {
      await this.#redis.del(...this.#signalKeys());
      this.#signalsDirty = false;
    }
  }

  async start(): Promise<void> {
    await this.#inner.start();
  }

  async stop(): Promise<void> {
    await closeRedis(this.#redis);
    await this.#inner.stop();
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  async health(): Promise<Health> {
    const inner = await this.#inner.health();
    const redisOk = this.#redis.status === "ready";
    const detail = `${inner.detail ?? (inner.ok ? "ok" : "down")}; redis ${
      redisOk ? "ok" : "down"
    }`;
    // Redis is an accelerator: the store's health decides.
    return { ...inner, detail };
  }

  // ---- candles ----

  async upsertCandles(
    symbol: string,
    interval: Interval,
    candles: readonly Candle[],
  ): Promise<void> {
    const rows = checkCandleBatch(symbol, interval, candles);
    await this.#inner.upsertCandles(symbol, interval, rows);
    if (rows.length === 0) return;
    const keys = this.#keys(symbol, interval);
    const args: (string | number)[] = [this.#cap, this.#ttl];
    for (const c of rows.slice(-this.#cap)) args.push(c.time, JSON.stringify(c));
    try {
      await this.#redis.eval(UPSERT_CANDLES, 3, ...keys, ...args);
    } catch (e) {
      this.#markDirty(keys[0], e);
    }
  }

  #markDirty(key: string, e: unknown): void {
    if (!this.#dirty.has(key)) {
      this.#log?.debug("redis cache update failed; series bypassed until redis is back", {
        key,
        error: (e as Error).message,
      });
    }
    this.#dirty.add(key);
  }

  async latestCandles(symbol: string, interval: Interval, n: number): Promise<Candle[]> {
    checkCount(n);
    checkSeries(symbol, interval);
    if (n === 0) return [];
    if (n > this.#cap) return await this.#inner.latestCandles(symbol, interval, n);
    const keys = this.#keys(symbol, interval);
    if (!this.#dirty.has(keys[0]) && this.#redis.status === "ready") {
      try {
        const got = await this.#redis.eval(READ_CANDLES, 2, keys[0], keys[2], n) as string[] | null;
        if (Array.isArray(got)) {
          this.#hits++;
          return got.map((s) => JSON.parse(s) as Candle);
        }
      } catch { /* served by the store */ }
    }
    this.#misses++;
    return await this.#warm(symbol, interval, n);
  }

  /** Reads the newest `cap` candles from the store, caches them (unless a write raced), returns `n`. */
  async #warm(symbol: string, interval: Interval, n: number): Promise<Candle[]> {
    const keys = this.#keys(symbol, interval);
    let version: string | null | undefined;
    const redisUp = !this.#dirty.has(keys[0]) && this.#redis.status === "ready";
    if (redisUp) {
      try {
        version = await this.#redis.get(keys[1]);
      } catch { /* not cached this time */ }
    }
    const rows = await this.#inner.latestCandles(symbol, interval, this.#cap);
    if (version !== undefined) {
      const args: (string | number)[] = [version ?? "", this.#ttl];
      for (const c of rows) args.push(c.time, JSON.stringify(c));
      try {
        await this.#redis.eval(WARM_CANDLES, 3, ...keys, ...args);
      } catch { /* not cached this time */ }
    }
    return rows.slice(-n);
  }

  candles(symbol: string, interval: Interval, q?: RangeQuery): Promise<Candle[]> {
    try {
      const r = checkRange(q);
      // Only "the newest n" is a hot read; other ranges go to the store.
      if (r.newest && q?.to === undefined && r.limit! <= this.#cap) {
        return this.latestCandles(symbol, interval, r.limit!);
      }
      return this.#inner.candles(symbol, interval, q);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- signals ----

  async upsertSignals(signals: readonly SignalRecord[]): Promise<void> {
    await this.#inner.upsertSignals(signals);
    if (signals.length === 0) return;
    const args: (string | number)[] = ["write", this.#ttl];
    for (const s of signals) args.push(`${s.symbol}|${s.interval}`, s.time, JSON.stringify(s));
    try {
      await this.#redis.eval(MERGE_SIGNALS, 3, ...this.#signalKeys(), ...args);
    } catch (e) {
      if (!this.#signalsDirty) {
        this.#log?.debug("redis latest-signal update failed", { error: (e as Error).message });
      }
      this.#signalsDirty = true;
    }
    if (this.#bus) { for (const s of signals) await this.#bus.publishSignal(s); }
  }

  signals(symbol: string, interval: Interval, q?: RangeQuery): Promise<SignalRecord[]> {
    return this.#inner.signals(symbol, interval, q);
  }

  async latestSignals(): Promise<SignalRecord[]> {
    const [hash, , warm] = this.#signalKeys();
    if (!this.#signalsDirty && this.#redis.status === "ready") {
      try {
        if ((await this.#redis.exists(warm)) === 1) {
          const all = await this.#redis.hgetall(hash);
          this.#hits++;
          return Object.values(all).map((s) => JSON.parse(s) as SignalRecord);
        }
      } catch { /* served by the store */ }
    }
    this.#misses++;
    const rows = await this.#inner.latestSignals();
    if (!this.#signalsDirty && this.#redis.status === "ready") {
      const args: (string | number)[] = ["warm", this.#ttl];
      for (const s of rows) args.push(`${s.symbol}|${s.interval}`, s.time, JSON.stringify(s));
      try {
        await this.#redis.eval(MERGE_SIGNALS, 3, ...this.#signalKeys(), ...args);
      } catch { /* not cached this time */ }
    }
    return rows;
  }

  // ---- strategies (not cached: rare, and must be read fresh) ----

  strategies(): Promise<StrategyDoc[]> {
    return this.#inner.strategies();
  }
  strategy(id: string): Promise<StrategyDoc | undefined> {
    return this.#inner.strategy(id);
  }
  putStrategy(doc: StrategyDoc): Promise<void> {
    return this.#inner.putStrategy(doc);
  }
  deleteStrategy(id: string): Promise<boolean> {
    return this.#inner.deleteStrategy(id);
  }
}

/** Puts the Redis cache layer in front of `store`. */
export function withRedisCache(store: Store, opts: RedisCacheOptions): RedisCachedStore {
  return new RedisCachedStore(store, opts);
}

/** Deletes every key under `prefix` (for tests and `perptrix cache clear`). Bounded by SCAN. */
export async function clearRedisPrefix(url: string, prefix: string): Promise<number> {
  if (prefix.length < 3 || prefix.includes("*")) {
    throw new Error(`refusing to clear prefix "${prefix}"`);
  }
  const r = connectRedis({ url, name: "clear", offlineQueue: true });
  let n = 0;
  try {
    let cursor = "0";
    for (let i = 0; i < 100_000; i++) {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) n += await r.del(...keys);
      cursor = next;
      if (cursor === "0") break;
    }
  } finally {
    await closeRedis(r);
  }
  return n;
}
