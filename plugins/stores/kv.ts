/**
 * The kv store (the default): Deno KV, embedded and persistent, and what a Deno Deploy edge
 * deployment uses. Needs `--unstable-kv`.
 *
 * Layout, chosen for speed:
 * - `["candles", symbol, interval, block]` → a compact block of up to 256 candles whose open time
 *   falls in `[block·span, (block+1)·span)`, `span = 256 × interval` (see `_kv_block.ts`).
 *   Reading the latest 500 is a reverse list of two or three keys; a batched upsert touches one
 *   value per 256 candles. Concurrent writers to one block are serialised by versionstamp checks.
 * - `["signals", symbol, interval, time, strategy]` → the signal record.
 * - `["signal_latest", symbol, interval]` → the newest signal of that series.
 * - `["signal_version", symbol, interval]` → a counter bumped by every commit that writes signals
 *   of the series, in the same atomic operation. Readers keep the newest signals of a series
 *   decoded in memory (a "window") and reuse them while this key's versionstamp is unchanged.
 *   A window is served without re-reading the key for up to `signalRecheckMs` (5 ms) after the
 *   last check, so under load a read costs no database call at all. Writes of this process are
 *   seen by the very next read; writes of other processes on the same database within that bound.
 * - `["strategies", id]` → the strategy document.
 * @module
 */
import {
  type Candle,
  type Health,
  type Interval,
  intervalMs,
  type Logger,
  type PluginContext,
  type RangeQuery,
  type SignalRecord,
  type Store,
  type StorePlugin,
  type StrategyDoc,
  z,
} from "perptrix";
import { serialize } from "node:v8";
import { counter } from "perptrix/core/metrics.ts";
import { BLOCK_CAPACITY, decodeBlock, encodeBlock, KV_VALUE_LIMIT } from "./_kv_block.ts";
import { mergeCandles } from "./_sorted.ts";
import {
  checkCandleBatch,
  checkCount,
  checkRange,
  checkSeries,
  checkSignalBatch,
  checkStrategy,
  type Range,
  StoreInputError,
} from "./_validate.ts";
import { deepFreeze } from "./_frozen.ts";

/** Candles per block: the block spans this many intervals. */
export const BLOCK_CANDLES = 256;
/** Deno KV getMany limit. */
const GET_MANY = 10;
/** Blocks per atomic commit: 10 × ≤ 64 KiB stays under the 800 KiB atomic size limit. */
const BLOCKS_PER_COMMIT = 10;
/** Attempts per commit when another writer changed the same keys. */
const MAX_ATTEMPTS = 32;
/** Signals per atomic commit (each may also update the series' latest key). */
const SIGNALS_PER_COMMIT = 100;
/**
 * Signal bytes (values and keys) per atomic commit: each value may be written twice (the row and
 * the series' latest), and twice this stays under Deno KV's 819,200-byte commit limit.
 */
const SIGNAL_BYTES_PER_COMMIT = 400_000;
/** Generous bytes of the three keys a signal touches, beyond its symbol and strategy. */
const SIGNAL_KEY_BYTES = 128;
const utf8 = new TextEncoder();

/** Most signals kept decoded per series (the window); larger reads go to the database. */
export const SIGNAL_WINDOW_MAX = 1000;
/** Most signals kept decoded over all series; the least recently read windows go first. */
export const SIGNAL_WINDOW_TOTAL = 20_000;
/** Default bound on how long a window is served before its version is read again. */
export const SIGNAL_RECHECK_MS = 5;
/** Smallest window read, so a run of `limit=1` reads does not refill for `limit=2`. */
const SIGNAL_WINDOW_MIN = 50;

const writeErrors = counter("perptrix_store_write_errors_total", "Store write failures", ["store"]);

/** Options of the kv store (`plugins.kv.options`). */
export const KvOptionsSchema = z.object({
  /** Database file; env KV_PATH; default ./data/perptrix.kv. ":memory:" for a throw-away db. */
  path: z.string().min(1).optional(),
}).strict();

/** Thrown when a commit keeps conflicting with other writers. */
export class KvConflictError extends Error {
  override name = "KvConflictError";
}

interface BlockPlan {
  key: Deno.KvKey;
  incoming: Candle[];
  value?: Uint8Array;
  versionstamp: string | null;
}

/** The newest signals of one series as read at one version of it. */
interface SignalWindow {
  /** Versionstamp of the series' version key when the rows were read (null: never written). */
  version: string | null;
  /** Newest first, deep-frozen: the newest `size` rows of the series at that version. */
  rows: SignalRecord[];
  /** Rows asked for; fewer came back means the window is the whole series. */
  size: number;
  /** `performance.now()` when the version was last read, before the read started. */
  checkedAt: number;
  /** This process' write generation of the series at that check. */
  gen: number;
}

/**
 * Answers a range query from a window, or undefined when the window may lack rows of the answer.
 * The window holds every row whose (time, strategy) key is at or above its last row's.
 */
function fromWindow(w: SignalWindow, r: Range): SignalRecord[] | undefined {
  const rows = w.rows;
  const whole = rows.length < w.size;
  let i = 0;
  while (i < rows.length && rows[i].time > r.to) i++;
  if (r.newest) {
    const end = Math.min(rows.length, i + r.limit!);
    return end - i === r.limit || whole ? rows.slice(i, end) : undefined;
  }
  if (!whole && (rows.length === 0 || r.from <= rows[rows.length - 1].time)) return undefined;
  let j = i;
  while (j < rows.length && rows[j].time >= r.from) j++;
  // With `from` and a limit: the oldest `limit` rows of the range, newest first.
  return rows.slice(r.limit === undefined ? i : Math.max(i, j - r.limit), j);
}

/** Runs a KV call, retrying while another process holds the SQLite write lock. */
async function whileLocked<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= MAX_ATTEMPTS || !/database is locked/i.test(String((e as Error)?.message))) {
        throw e;
      }
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, attempt * 5)));
    }
  }
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/** A store on Deno KV. `path` undefined opens the platform default (Deno Deploy). */
export class KvStore implements Store {
  readonly id = "kv";
  #kv: Deno.Kv | undefined;
  #path: string | undefined;
  #log: Logger | undefined;
  /** Per-series write chains: writers in this process take turns instead of conflicting. */
  #series = new Map<string, Promise<unknown>>();
  /** Decoded newest signals per series, reused while the series' version is unchanged. */
  #windows = new Map<string, SignalWindow>();
  /** Rows held by all windows. */
  #windowRows = 0;
  /** Window reads in flight, so concurrent readers of a changed series decode it once. */
  #filling = new Map<string, Promise<SignalWindow>>();
  /** Signal commits of this process per series: a window older than the last one is rechecked. */
  #gens = new Map<string, number>();
  #recheckMs: number;

  /**
   * `signalRecheckMs`: how long a signal window is served before its version is read again
   * (bounds how late another process' signal write can show; 0 checks on every read).
   */
  constructor(path: string | undefined, logger?: Logger, opts: { signalRecheckMs?: number } = {}) {
    this.#path = path;
    this.#log = logger;
    this.#recheckMs = opts.signalRecheckMs ?? SIGNAL_RECHECK_MS;
  }

  async start(): Promise<void> {
    if (this.#kv) return;
    const p = this.#path;
    if (p !== undefined && p !== ":memory:") await Deno.mkdir(dirname(p), { recursive: true });
    this.#kv = await Deno.openKv(p);
    this.#log?.info("kv store opened", { path: p ?? "(platform default)" });
  }

  stop(): Promise<void> {
    this.#kv?.close();
    this.#kv = undefined;
    this.#windows.clear();
    this.#windowRows = 0;
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  async health(): Promise<Health> {
    if (!this.#kv) return { ok: false, detail: "not started", required: true };
    try {
      await this.#kv.get(["health"]);
      return { ok: true, required: true };
    } catch (e) {
      return { ok: false, detail: `kv read failed: ${(e as Error).name}`, required: true };
    }
  }

  #db(): Deno.Kv {
    if (!this.#kv) throw new Error("kv store is not started");
    return this.#kv;
  }

  // ---- candles ----

  async upsertCandles(
    symbol: string,
    interval: Interval,
    candles: readonly Candle[],
  ): Promise<void> {
    const rows = checkCandleBatch(symbol, interval, candles);
    if (rows.length === 0) return;
    const key = `${symbol}\u0000${interval}`;
    const prev = this.#series.get(key) ?? Promise.resolve();
    const run = prev.then(() => this.#upsertBlocks(symbol, interval, rows));
    const tail = run.catch(() => {});
    this.#series.set(key, tail);
    try {
      await run;
    } finally {
      if (this.#series.get(key) === tail) this.#series.delete(key);
    }
  }

  async #upsertBlocks(symbol: string, interval: Interval, rows: Candle[]): Promise<void> {
    const kv = this.#db();
    const span = intervalMs(interval) * BLOCK_CANDLES;
    const plans: BlockPlan[] = [];
    for (const c of rows) {
      const b = Math.floor(c.time / span);
      const last = plans[plans.length - 1];
      if (last && last.key[3] === b) last.incoming.push(c);
      else plans.push({ key: ["candles", symbol, interval, b], incoming: [c], versionstamp: null });
    }
    // Phase 1: read and merge every touched block, so an oversize block is found before any write.
    for (let i = 0; i < plans.length; i += GET_MANY) {
      await this.#readMerge(kv, plans.slice(i, i + GET_MANY));
    }
    // Phase 2: commit with versionstamp checks; a conflicting chunk is re-read and retried.
    try {
      for (let i = 0; i < plans.length; i += BLOCKS_PER_COMMIT) {
        await this.#commitBlocks(kv, plans.slice(i, i + BLOCKS_PER_COMMIT));
      }
    } catch (e) {
      writeErrors.inc({ store: "kv" });
      throw e;
    }
  }

  async #readMerge(kv: Deno.Kv, plans: BlockPlan[]): Promise<void> {
    for (let i = 0; i < plans.length; i += GET_MANY) {
      const part = plans.slice(i, i + GET_MANY);
      const entries = await whileLocked(() => kv.getMany<Uint8Array[]>(part.map((p) => p.key)));
      for (let j = 0; j < part.length; j++) {
        const p = part[j];
        const e = entries[j];
        const existing = e.value ? decodeBlock(e.value) : [];
        const merged = mergeCandles(existing, p.incoming);
        if (merged.length > BLOCK_CAPACITY) {
          throw new StoreInputError(
            `${String(p.key[1])} ${
              String(p.key[2])
            }: ${merged.length} candles fall in one ${BLOCK_CANDLES}-interval ` +
              `block (max ${BLOCK_CAPACITY}); candle times are not spaced by the interval`,
          );
        }
        p.value = encodeBlock(merged);
        p.versionstamp = e.versionstamp;
      }
    }
  }

  async #commitBlocks(kv: Deno.Kv, plans: BlockPlan[]): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const op = kv.atomic();
      for (const p of plans) {
        op.check({ key: p.key, versionstamp: p.versionstamp }).set(p.key, p.value);
      }
      const res = await whileLocked(() => op.commit());
      if (res.ok) return;
      // Another process wrote the same blocks: back off a little (jittered), re-read, retry.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
      await this.#readMerge(kv, plans);
    }
    throw new KvConflictError(`candle blocks kept changing under ${MAX_ATTEMPTS} attempts`);
  }

  async candles(symbol: string, interval: Interval, q?: RangeQuery): Promise<Candle[]> {
    checkSeries(symbol, interval);
    const r = checkRange(q);
    const kv = this.#db();
    const span = intervalMs(interval) * BLOCK_CANDLES;
    const prefix = ["candles", symbol, interval];
    const sel = {
      start: [...prefix, Math.floor(r.from / span)],
      // Exclusive end: the block after the one holding `to` (a candle at the largest safe time
      // included).
      end: [...prefix, Math.floor(r.to / span) + 1],
    };
    const out: Candle[] = [];
    if (r.newest) {
      // Newest first, block by block, until `limit` rows are collected.
      const limit = r.limit!;
      const chunks: Candle[][] = [];
      let n = 0;
      for await (const e of kv.list<Uint8Array>(sel, { reverse: true, batchSize: 4 })) {
        const rows = decodeBlock(e.value);
        let hi = rows.length;
        while (hi > 0 && rows[hi - 1].time > r.to) hi--;
        let lo = hi;
        while (lo > 0 && rows[lo - 1].time >= r.from && n + (hi - lo) < limit) lo--;
        if (hi > lo) chunks.push(rows.slice(lo, hi));
        n += hi - lo;
        if (n >= limit) break;
      }
      for (let i = chunks.length - 1; i >= 0; i--) for (const c of chunks[i]) out.push(c);
      return out;
    }
    const limit = r.limit ?? Infinity;
    for await (const e of kv.list<Uint8Array>(sel, { batchSize: 16 })) {
      for (const c of decodeBlock(e.value)) {
        if (c.time < r.from || c.time > r.to) continue;
        out.push(c);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  async latestCandles(symbol: string, interval: Interval, n: number): Promise<Candle[]> {
    checkCount(n);
    if (n === 0) {
      checkSeries(symbol, interval);
      return [];
    }
    return await this.candles(symbol, interval, { limit: n });
  }

  // ---- signals ----

  async upsertSignals(signals: readonly SignalRecord[]): Promise<void> {
    const rows = checkSignalBatch(signals);
    // Sizes in the bytes Deno KV counts (V8 serialization: a string with any non-Latin-1
    // character takes 2 bytes per UTF-16 unit, so neither characters nor UTF-8 bytes are a
    // bound), all checked before anything is committed: a bad signal rejects the whole batch.
    const sizes = rows.map((s, i) => {
      const size = serialize(s).byteLength;
      if (size > KV_VALUE_LIMIT) {
        throw new StoreInputError(
          `signal[${i}] (${s.symbol} ${s.interval} ${s.time} ${s.strategy}): ${size} bytes ` +
            `exceed the kv value limit of ${KV_VALUE_LIMIT}`,
        );
      }
      return size + SIGNAL_KEY_BYTES + 3 * utf8.encode(s.symbol + s.strategy).length;
    });
    const kv = this.#db();
    try {
      let start = 0;
      while (start < rows.length) {
        let end = start;
        let bytes = 0;
        while (
          end < rows.length && end - start < SIGNALS_PER_COMMIT &&
          bytes + sizes[end] <= SIGNAL_BYTES_PER_COMMIT
        ) {
          bytes += sizes[end++];
        }
        if (end === start) end++;
        await this.#commitSignals(kv, rows.slice(start, end));
        start = end;
      }
    } catch (e) {
      writeErrors.inc({ store: "kv" });
      throw e;
    }
  }

  async #commitSignals(kv: Deno.Kv, rows: SignalRecord[]): Promise<void> {
    const newest = new Map<string, SignalRecord>();
    for (const s of rows) {
      const k = `${s.symbol}\u0000${s.interval}`;
      const cur = newest.get(k);
      if (!cur || s.time >= cur.time) newest.set(k, s);
    }
    const candidates = [...newest.values()];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const op = kv.atomic();
      for (const s of rows) op.set(["signals", s.symbol, s.interval, s.time, s.strategy], s);
      for (const s of candidates) op.sum(["signal_version", s.symbol, s.interval], 1n);
      for (let i = 0; i < candidates.length; i += GET_MANY) {
        const part = candidates.slice(i, i + GET_MANY);
        const cur = await whileLocked(() =>
          kv.getMany<SignalRecord[]>(part.map((s) => ["signal_latest", s.symbol, s.interval]))
        );
        for (let j = 0; j < part.length; j++) {
          const s = part[j];
          const e = cur[j];
          if (e.value && e.value.time > s.time) continue;
          op.check({ key: e.key, versionstamp: e.versionstamp }).set(e.key, s);
        }
      }
      if ((await whileLocked(() => op.commit())).ok) {
        for (const s of candidates) {
          const k = `${s.symbol}\u0000${s.interval}`;
          this.#gens.set(k, (this.#gens.get(k) ?? 0) + 1);
        }
        return;
      }
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
    }
    throw new KvConflictError(`latest-signal keys kept changing under ${MAX_ATTEMPTS} attempts`);
  }

  /**
   * Newest-first reads up to {@linkcode SIGNAL_WINDOW_MAX} rows are answered from the series'
   * window after one get of its version key; the rows returned are then shared, deep-frozen.
   */
  async signals(symbol: string, interval: Interval, q?: RangeQuery): Promise<SignalRecord[]> {
    checkSeries(symbol, interval);
    const r = checkRange(q);
    const kv = this.#db();
    const series = `${symbol}\u0000${interval}`;
    let w = this.#windows.get(series);
    const fits = r.newest && r.limit! <= SIGNAL_WINDOW_MAX;
    if (w !== undefined || fits) {
      const gen = this.#gens.get(series) ?? 0;
      const t0 = performance.now();
      if (w !== undefined && w.gen === gen && t0 - w.checkedAt < this.#recheckMs) {
        const hit = fromWindow(w, r);
        if (hit !== undefined) return hit;
      }
      // The version is read before any row, so a window is never newer-labelled than its rows.
      const version = (await whileLocked(() => kv.get(["signal_version", symbol, interval])))
        .versionstamp;
      if (w !== undefined && w.version === version) {
        if (w.checkedAt < t0) {
          w.checkedAt = t0;
          w.gen = gen;
        }
        const hit = fromWindow(w, r);
        if (hit !== undefined) return hit;
      }
      if (fits) {
        const size = Math.max(
          r.limit!,
          SIGNAL_WINDOW_MIN,
          w?.version === version ? Math.min(SIGNAL_WINDOW_MAX, 2 * w.size) : w?.size ?? 0,
        );
        w = await this.#fillWindow(kv, symbol, interval, { version, gen, checkedAt: t0 }, size);
        const hit = fromWindow(w, r);
        if (hit !== undefined) return hit;
      }
    }
    const sel = {
      start: ["signals", symbol, interval, r.from],
      end: ["signals", symbol, interval, r.to + 1],
    };
    const out: SignalRecord[] = [];
    if (r.limit !== undefined && !r.newest) {
      for await (const e of kv.list<SignalRecord>(sel, { limit: r.limit })) out.push(e.value);
      return out.reverse();
    }
    for await (const e of kv.list<SignalRecord>(sel, { reverse: true, limit: r.limit })) {
      out.push(e.value);
    }
    return out;
  }

  /** Reads the newest `size` rows of a series at a checked version, once for concurrent readers. */
  #fillWindow(
    kv: Deno.Kv,
    symbol: string,
    interval: Interval,
    check: Pick<SignalWindow, "version" | "gen" | "checkedAt">,
    size: number,
  ): Promise<SignalWindow> {
    const series = `${symbol}\u0000${interval}`;
    const { version } = check;
    const key = `${series}\u0000${version}\u0000${check.gen}\u0000${size}`;
    let p = this.#filling.get(key);
    if (p === undefined) {
      p = (async () => {
        const rows: SignalRecord[] = [];
        const it = kv.list<SignalRecord>({ prefix: ["signals", symbol, interval] }, {
          reverse: true,
          limit: size,
          batchSize: Math.min(size, 500),
        });
        for await (const e of it) rows.push(deepFreeze(e.value));
        const w: SignalWindow = { ...check, rows, size };
        const cur = this.#windows.get(series);
        // Keep the bigger of two windows read at the same version.
        if (cur === undefined || cur.version !== version || cur.size <= size) {
          this.#windowRows += rows.length - (cur?.rows.length ?? 0);
          this.#windows.delete(series);
          this.#windows.set(series, w);
          for (const [k, old] of this.#windows) {
            if (this.#windowRows <= SIGNAL_WINDOW_TOTAL || k === series) break;
            this.#windows.delete(k);
            this.#windowRows -= old.rows.length;
          }
        }
        return w;
      })().finally(() => this.#filling.delete(key));
      this.#filling.set(key, p);
    }
    return p;
  }

  async latestSignals(): Promise<SignalRecord[]> {
    const out: SignalRecord[] = [];
    for await (const e of this.#db().list<SignalRecord>({ prefix: ["signal_latest"] })) {
      out.push(e.value);
    }
    return out;
  }

  // ---- strategies ----

  async strategies(): Promise<StrategyDoc[]> {
    const out: StrategyDoc[] = [];
    for await (const e of this.#db().list<StrategyDoc>({ prefix: ["strategies"] })) {
      out.push(e.value);
    }
    return out;
  }

  async strategy(id: string): Promise<StrategyDoc | undefined> {
    if (typeof id !== "string" || id.length === 0) return undefined;
    return (await this.#db().get<StrategyDoc>(["strategies", id])).value ?? undefined;
  }

  async putStrategy(doc: StrategyDoc): Promise<void> {
    const d = checkStrategy(doc);
    await this.#db().set(["strategies", d.id], d);
  }

  async deleteStrategy(id: string): Promise<boolean> {
    if (typeof id !== "string" || id.length === 0) return false;
    const kv = this.#db();
    const e = await kv.get(["strategies", id]);
    if (e.versionstamp === null) return false;
    const res = await kv.atomic().check(e).delete(e.key).commit();
    return res.ok;
  }
}

/** The `kv` store plugin. */
const plugin: StorePlugin = {
  kind: "store",
  id: "kv",
  description: "Deno KV (default): embedded, persistent; candles in compact 256-bar blocks.",
  create(ctx: PluginContext): Store {
    const opts = KvOptionsSchema.parse(ctx.options ?? {});
    const path = opts.path ?? ctx.env("KV_PATH") ?? "./data/perptrix.kv";
    return new KvStore(path, ctx.logger.child("kv"));
  },
};
export default plugin;
