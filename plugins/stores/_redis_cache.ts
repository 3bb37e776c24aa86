/**
 * The Redis cache layer, in front of any store (write-through; the store stays the source of
 * truth):
 * - hot candles per symbol and interval: a sorted set scored by open time, capped to the newest
 *   `hotCandles` (a sorted set rather than a list so an upsert replaces the bar with the same
 *   time atomically, in one Lua script);
 * - the latest signal per symbol and interval: one hash, a field replaced only by a signal at
 *   least as new;
 * - announcements of new signals on the `perptrix:signals` channel when a {@linkcode RedisBus} is
 *   given (closed candles are announced by whoever closes them, through the bus).
 *
 * **Filling.** A series is served from Redis only once it is "warm": its first read fills it from
 * the store. Every write is added to Redis whether or not the series is warm yet, and a fill
 * merges: it adds the store's rows whose time Redis does not hold yet (for the latest signals:
 * replaces a field only with a strictly newer signal), never deletes, then trims to the cap and
 * sets the warm flag.
 *
 * Why that is exact, even in front of a buffered store (questdb) whose reads lag its accepted
 * writes: every write goes through this layer in some process, so the rows Redis holds are the
 * newest accepted version of their time. A store snapshot can only lack rows (accepted, not yet
 * visible) or hold older versions of them, and the merge lets neither replace what Redis has:
 * rows written before the snapshot are either in it or in Redis already, rows written during
 * the fill land in Redis before or after the merge and win either way. The window then holds
 * the newest `hotCandles` of (accepted writes ∪ snapshot), which is the newest of the store. A
 * fill that replaced the set with its snapshot would drop accepted rows for good; a version check
 * would only make it give up.
 *
 * **Failures.** A write whose cache update fails (Redis down, timeout, OOM, ...) leaves Redis
 * without that row, which other processes would serve. So the row is kept in a local "hole" for
 * its series and, at once, the warm flag is deleted (other processes then read the store) and the
 * hole is registered in Redis (`…:holes`, per process, expiring unless renewed), which keeps fills
 * from warming the series again before the row is in. The rows are re-sent on a bounded backoff
 * (and at once on reconnect, and with the next write of the series) until Redis has them; until
 * then this process bypasses Redis for the series.
 *
 * Limits: writes to one series are assumed to come from one writer at a time (ingest's
 * per-series queue); if Redis itself loses its data (a restart without persistence) while the
 * store has not yet made some accepted rows visible, the next fill misses those rows until they
 * are rewritten or the keys expire (`ttlSeconds`).
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
import {
  closeRedis,
  connectRedis,
  MAX_RECONNECT_DELAY_MS,
  type RedisClient,
} from "./_redis_connection.ts";
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

/** How long a registered hole keeps fills from warming its series unless renewed. */
export const HOLE_HOLD_MS = 60_000;

// Registered holes: a sorted set of process ids scored by expiry (Redis time, ms).
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: zset, warm flag, holes. ARGV: cap, ttl, holder, then time/json pairs (ascending time).
// Added whether or not the series is warm: a fill running now must not miss this row.
const UPSERT_CANDLES = `
for i = 4, #ARGV, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[i], ARGV[i])
  redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
redis.call('ZREM', KEYS[3], ARGV[3])
return 1`;

// KEYS: zset, warm flag, holes. ARGV: cap, ttl, n, then the store's time/json pairs. Adds only
// times not cached (cached rows are at least as new), trims, and warms unless a process has a
// registered hole. Returns the newest n after the merge, or nil when not warmed.
const WARM_CANDLES = `${NOW_MS}
for i = 4, #ARGV, 2 do
  if redis.call('ZCOUNT', KEYS[1], ARGV[i], ARGV[i]) == 0 then
    redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[3]) > 0 then return false end
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
return redis.call('ZRANGE', KEYS[1], -tonumber(ARGV[3]), -1)`;

// KEYS: zset, warm flag. ARGV: n. Returns nil when the series is not cached.
const READ_CANDLES = `
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
return redis.call('ZRANGE', KEYS[1], -tonumber(ARGV[1]), -1)`;

// KEYS: warm flag, holes. ARGV: holder, hold ms. Stops every process serving the series, and
// keeps fills from warming it while this process still owes it rows. DEL first and the rest with
// pcall: under OOM, DEL still works where the ZADD is refused.
const MARK_HOLE = `${NOW_MS}
redis.call('DEL', KEYS[1])
redis.pcall('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.pcall('PEXPIRE', KEYS[2], ARGV[2])
return 1`;

// KEYS: latest hash, time hash, warm flag, holes. ARGV: mode ("write" | "warm"), ttl, holder,
// then field/time/json triples. A write replaces a field with a signal at least as new, warm or
// not; a fill only with a strictly newer one (a write of the same time is at least as recent),
// then warms unless a hole is registered and returns every cached signal (nil when not warmed).
const MERGE_SIGNALS = `${NOW_MS}
local warm = ARGV[1] == 'warm'
for i = 4, #ARGV, 3 do
  local cur = redis.call('HGET', KEYS[2], ARGV[i])
  local t = tonumber(ARGV[i + 1])
  if (not cur) or t > tonumber(cur) or (t == tonumber(cur) and not warm) then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
if not warm then
  if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[2]) end
  redis.call('ZREM', KEYS[4], ARGV[3])
  return 1
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
if redis.call('ZCARD', KEYS[4]) > 0 then return false end
redis.call('SET', KEYS[3], '1', 'EX', ARGV[2])
return redis.call('HVALS', KEYS[1])`;

// KEYS: latest hash, warm flag. Returns nil when not cached.
const READ_SIGNALS = `
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
return redis.call('HVALS', KEYS[1])`;

/** Rows a failed cache update left out of Redis, newest write per key (with its sequence). */
interface Hole<T> {
  rows: Map<string | number, { row: T; seq: number }>;
  /** The warm flag and the registered holes of what the rows belong to. */
  warm: string;
  holes: string;
}

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
  /** This process' id in registered holes. */
  readonly #holder = crypto.randomUUID();
  /** Candle series (by zset key) whose cache lacks rows this process wrote: bypassed. */
  readonly #holes = new Map<string, Hole<Candle>>();
  /** Latest signals this process wrote that the cache lacks: the hash is bypassed meanwhile. */
  #signalHole: Hole<SignalRecord> | undefined;
  /** Orders writes, so a retried older row never replaces a newer one of the same time. */
  #seq = 0;
  #repairTimer: ReturnType<typeof setTimeout> | undefined;
  #repairDelay = 0;
  #repairing = false;
  #stopped = false;
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
    this.#redis.on("ready", () => this.#scheduleRepair(0, true));
  }

  /** Cache hits and misses since start, and series (and the signal hash) bypassed for holes. */
  get stats(): { hits: number; misses: number; dirty: number } {
    const dirty = this.#holes.size + (this.#signalHole ? 1 : 0);
    return { hits: this.#hits, misses: this.#misses, dirty };
  }

  #keys(symbol: string, interval: Interval): [string, string, string] {
    const base = `${this.#prefix}candles:${symbol}:${interval}`;
    return [base, `${base}:warm`, `${base}:holes`];
  }

  #signalKeys(): [string, string, string, string] {
    const base = `${this.#prefix}signals:latest`;
    return [base, `${base}:time`, `${base}:warm`, `${base}:holes`];
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#inner.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#repairTimer);
    this.#repairTimer = undefined;
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

  // ---- holes: failed cache updates ----

  /**
   * Remembers rows a failed update left out, marks the hole in Redis at once (no process serves
   * or re-warms the series meanwhile) and has the rows re-sent soon.
   */
  #openHole<T>(hole: Hole<T>, rows: readonly [string | number, T][], seq: number, e: unknown) {
    for (const [k, row] of rows) {
      const cur = hole.rows.get(k);
      if (cur === undefined || cur.seq < seq) hole.rows.set(k, { row, seq });
    }
    this.#log?.debug("redis cache update failed; bypassed and retried until redis has it", {
      key: hole.warm,
      error: (e as Error)?.message,
    });
    this.#markHole(hole).catch(() => {/* retried by the repair loop */});
    this.#scheduleRepair(100);
  }

  #markHole<T>(hole: Hole<T>): Promise<unknown> {
    return this.#redis.eval(MARK_HOLE, 2, hole.warm, hole.holes, this.#holder, HOLE_HOLD_MS);
  }

  /** Forgets the rows of `sent` that are still the newest written for their key. */
  #settle<T>(hole: Hole<T>, sent: readonly [string | number, T][]): boolean {
    for (const [k, row] of sent) if (hole.rows.get(k)?.row === row) hole.rows.delete(k);
    return hole.rows.size === 0;
  }

  #scheduleRepair(delay: number, now = false): void {
    if (this.#stopped) return;
    if (this.#holes.size === 0 && this.#signalHole === undefined) {
      this.#repairDelay = 0;
      return;
    }
    if (this.#repairTimer !== undefined) {
      if (!now) return;
      clearTimeout(this.#repairTimer);
    }
    this.#repairTimer = setTimeout(() => {
      this.#repairTimer = undefined;
      // A repair still running (stalled on Redis) is waited for at a polite pace, never in a
      // zero-delay loop while its first round has not set a backoff yet.
      if (this.#repairing) return this.#scheduleRepair(Math.max(100, this.#repairDelay));
      this.#repair().finally(() => this.#scheduleRepair(this.#repairDelay));
    }, delay);
  }

  /**
   * Re-sends every hole's rows; where that fails, (re)marks the hole in Redis so no process
   * serves or re-warms the series meanwhile. Backs off up to the reconnect cap while failing.
   */
  async #repair(): Promise<void> {
    if (this.#repairing) return;
    this.#repairing = true;
    let failed = false;
    try {
      for (const [zset, hole] of [...this.#holes]) {
        const sent = this.#holeCandles(hole);
        try {
          const keys = [zset, hole.warm, hole.holes];
          await this.#redis.eval(UPSERT_CANDLES, 3, ...keys, ...this.#candleArgs(sent));
          if (this.#settle(hole, sent) && this.#holes.get(zset) === hole) this.#holes.delete(zset);
        } catch {
          failed = true;
          await this.#markHole(hole).catch(() => {}); // renews the registration
        }
      }
      const sh = this.#signalHole;
      if (sh !== undefined) {
        const sent = [...sh.rows].map(([k, v]) => [k, v.row] as [string, SignalRecord]);
        try {
          const args = this.#signalArgs("write", sent);
          await this.#redis.eval(MERGE_SIGNALS, 4, ...this.#signalKeys(), ...args);
          if (this.#settle(sh, sent) && this.#signalHole === sh) this.#signalHole = undefined;
        } catch {
          failed = true;
          await this.#markHole(sh).catch(() => {});
        }
      }
    } finally {
      this.#repairing = false;
    }
    this.#repairDelay = failed
      ? Math.min(Math.max(100, this.#repairDelay * 2), MAX_RECONNECT_DELAY_MS)
      : 0;
    if (!failed && this.stats.dirty === 0) this.#log?.debug("redis cache holes repaired");
  }

  /**
   * A hole's rows, ascending by time. Only the newest `cap` are kept: older ones would fall out of
   * the window behind them anyway (and the hole must be able to empty).
   */
  #holeCandles(hole: Hole<Candle>): [number, Candle][] {
    const all = [...hole.rows.values()].map((v) => v.row).sort((a, b) => a.time - b.time);
    for (const c of all.slice(0, -this.#cap)) hole.rows.delete(c.time);
    return all.slice(-this.#cap).map((c) => [c.time, c]);
  }

  #candleArgs(rows: readonly [number, Candle][]): (string | number)[] {
    const args: (string | number)[] = [this.#cap, this.#ttl, this.#holder];
    for (const [, c] of rows) args.push(c.time, JSON.stringify(c));
    return args;
  }

  #signalArgs(mode: "write" | "warm", rows: readonly [string, SignalRecord][]) {
    const args: (string | number)[] = [mode, this.#ttl, this.#holder];
    for (const [field, s] of rows) args.push(field, s.time, JSON.stringify(s));
    return args;
  }

  // ---- candles ----

  async upsertCandles(
    symbol: string,
    interval: Interval,
    candles: readonly Candle[],
  ): Promise<void> {
    const rows = checkCandleBatch(symbol, interval, candles);
    const seq = ++this.#seq;
    await this.#inner.upsertCandles(symbol, interval, rows);
    if (rows.length === 0) return;
    const keys = this.#keys(symbol, interval);
    let sent: [number, Candle][] = rows.slice(-this.#cap).map((c) => [c.time, c]);
    // With a hole open, its rows go along: Redis gets everything it lacks in one update.
    const hole = this.#holes.get(keys[0]);
    if (hole !== undefined) {
      for (const [t, c] of sent) {
        if ((hole.rows.get(t)?.seq ?? 0) < seq) hole.rows.set(t, { row: c, seq });
      }
      sent = this.#holeCandles(hole);
    }
    try {
      await this.#redis.eval(UPSERT_CANDLES, 3, ...keys, ...this.#candleArgs(sent));
      if (hole !== undefined && this.#settle(hole, sent) && this.#holes.get(keys[0]) === hole) {
        this.#holes.delete(keys[0]);
      }
    } catch (e) {
      let h = this.#holes.get(keys[0]);
      if (h === undefined) {
        this.#holes.set(keys[0], h = { rows: new Map(), warm: keys[1], holes: keys[2] });
      }
      this.#openHole(h, sent, seq, e);
    }
  }

  async latestCandles(symbol: string, interval: Interval, n: number): Promise<Candle[]> {
    checkCount(n);
    checkSeries(symbol, interval);
    if (n === 0) return [];
    if (n > this.#cap) return await this.#inner.latestCandles(symbol, interval, n);
    const keys = this.#keys(symbol, interval);
    if (!this.#holes.has(keys[0]) && this.#redis.status === "ready") {
      try {
        const got = await this.#redis.eval(READ_CANDLES, 2, keys[0], keys[1], n) as
          | string[]
          | null;
        if (Array.isArray(got)) {
          this.#hits++;
          return got.map((s) => JSON.parse(s) as Candle);
        }
      } catch { /* served by the store */ }
    }
    this.#misses++;
    return await this.#warm(symbol, interval, n);
  }

  /**
   * Reads the newest `cap` candles from the store and merges them into the cache (see the module
   * doc); returns the newest `n` of the cache once warm, else of the store.
   */
  async #warm(symbol: string, interval: Interval, n: number): Promise<Candle[]> {
    const keys = this.#keys(symbol, interval);
    const rows = await this.#inner.latestCandles(symbol, interval, this.#cap);
    if (!this.#holes.has(keys[0]) && this.#redis.status === "ready") {
      const args: (string | number)[] = [this.#cap, this.#ttl, n];
      for (const c of rows) args.push(c.time, JSON.stringify(c));
      try {
        const got = await this.#redis.eval(WARM_CANDLES, 3, ...keys, ...args) as string[] | null;
        if (Array.isArray(got)) return got.map((s) => JSON.parse(s) as Candle);
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
    const seq = ++this.#seq;
    await this.#inner.upsertSignals(signals);
    if (signals.length === 0) return;
    let sent: [string, SignalRecord][] = signals.map((s) => [`${s.symbol}|${s.interval}`, s]);
    const hole = this.#signalHole;
    if (hole !== undefined) {
      for (const [k, s] of sent) {
        const cur = hole.rows.get(k);
        if (cur === undefined || cur.row.time <= s.time) hole.rows.set(k, { row: s, seq });
      }
      sent = [...hole.rows].map(([k, v]) => [String(k), v.row]);
    }
    try {
      await this.#redis.eval(
        MERGE_SIGNALS,
        4,
        ...this.#signalKeys(),
        ...this.#signalArgs("write", sent),
      );
      if (hole !== undefined && this.#settle(hole, sent) && this.#signalHole === hole) {
        this.#signalHole = undefined;
      }
    } catch (e) {
      const [, , warm, holes] = this.#signalKeys();
      const h = this.#signalHole ??= { rows: new Map(), warm, holes };
      // Per field only the newest signal matters (the hash keeps the latest).
      const newest = sent.filter(([k, s]) => {
        const cur = h.rows.get(k);
        return cur === undefined || cur.row.time < s.time ||
          (cur.row.time === s.time && cur.seq < seq);
      });
      this.#openHole(h, newest, seq, e);
    }
    if (this.#bus) { for (const s of signals) await this.#bus.publishSignal(s); }
  }

  signals(symbol: string, interval: Interval, q?: RangeQuery): Promise<SignalRecord[]> {
    return this.#inner.signals(symbol, interval, q);
  }

  async latestSignals(): Promise<SignalRecord[]> {
    const keys = this.#signalKeys();
    if (this.#signalHole === undefined && this.#redis.status === "ready") {
      try {
        const got = await this.#redis.eval(READ_SIGNALS, 2, keys[0], keys[2]) as string[] | null;
        if (Array.isArray(got)) {
          this.#hits++;
          return got.map((s) => JSON.parse(s) as SignalRecord);
        }
      } catch { /* served by the store */ }
    }
    this.#misses++;
    const rows = await this.#inner.latestSignals();
    if (this.#signalHole === undefined && this.#redis.status === "ready") {
      const sent = rows.map((s) => [`${s.symbol}|${s.interval}`, s] as [string, SignalRecord]);
      try {
        const got = await this.#redis.eval(
          MERGE_SIGNALS,
          4,
          ...keys,
          ...this.#signalArgs("warm", sent),
        ) as
          | string[]
          | null;
        if (Array.isArray(got)) return got.map((s) => JSON.parse(s) as SignalRecord);
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
