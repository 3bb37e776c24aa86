/**
 * The memory store: everything in process memory, for tests and throw-away runs.
 * Candles and signals are kept per series in time-sorted arrays (appends are O(1), reads
 * binary-search). Signal records are stored as deep-frozen copies and returned without copying:
 * readers share them, and mutating one throws instead of corrupting the store.
 * @module
 */
import {
  type Candle,
  type Health,
  type Interval,
  type RangeQuery,
  type SignalRecord,
  type Store,
  type StorePlugin,
  type StrategyDoc,
  z,
} from "perptrix";
import {
  checkCandleBatch,
  checkCount,
  checkRange,
  checkSeries,
  checkSignalBatch,
  checkStrategy,
  copyCandle,
} from "./_validate.ts";
import { deepFreeze } from "./_frozen.ts";
import { lowerBound, mergeCandles, upperBound } from "./_sorted.ts";

/** A store that lives only as long as the process. */
export class MemoryStore implements Store {
  readonly id = "memory";
  #candles = new Map<string, Candle[]>();
  /** Per series, ascending by (time, strategy): reversed, that is the newest-first read order. */
  #signals = new Map<string, SignalRecord[]>();
  #latest = new Map<string, SignalRecord>();
  #strategies = new Map<string, StrategyDoc>();

  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  health(): Promise<Health> {
    return Promise.resolve({ ok: true, detail: `${this.#candles.size} series` });
  }

  upsertCandles(symbol: string, interval: Interval, candles: readonly Candle[]): Promise<void> {
    try {
      const rows = checkCandleBatch(symbol, interval, candles);
      const key = `${symbol}\u0000${interval}`;
      this.#candles.set(key, mergeCandles(this.#candles.get(key) ?? [], rows));
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  candles(symbol: string, interval: Interval, q?: RangeQuery): Promise<Candle[]> {
    try {
      checkSeries(symbol, interval);
      const r = checkRange(q);
      const rows = this.#candles.get(`${symbol}\u0000${interval}`) ?? [];
      let lo = lowerBound(rows, r.from);
      let hi = upperBound(rows, r.to);
      if (r.limit !== undefined && hi - lo > r.limit) {
        if (r.newest) lo = hi - r.limit;
        else hi = lo + r.limit;
      }
      const out: Candle[] = new Array(Math.max(0, hi - lo));
      for (let i = lo; i < hi; i++) out[i - lo] = copyCandle(rows[i]);
      return Promise.resolve(out);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  latestCandles(symbol: string, interval: Interval, n: number): Promise<Candle[]> {
    try {
      checkCount(n);
      if (n === 0) {
        checkSeries(symbol, interval);
        return Promise.resolve([]);
      }
      return this.candles(symbol, interval, { limit: n });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  upsertSignals(signals: readonly SignalRecord[]): Promise<void> {
    try {
      for (const s of checkSignalBatch(signals)) {
        deepFreeze(s);
        const series = `${s.symbol}\u0000${s.interval}`;
        let rows = this.#signals.get(series);
        if (!rows) this.#signals.set(series, rows = []);
        const i = signalPosition(rows, s.time, s.strategy);
        const at = rows[i];
        if (at !== undefined && at.time === s.time && at.strategy === s.strategy) rows[i] = s;
        else if (i === rows.length) rows.push(s); // the live path: a newer signal
        else rows.splice(i, 0, s);
        const cur = this.#latest.get(series);
        if (!cur || s.time >= cur.time) this.#latest.set(series, s);
      }
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Binary-searches the range, so a read costs O(log n + rows returned) however long the history
   * is. The records are the store's own deep-frozen copies, shared rather than cloned per read.
   */
  signals(symbol: string, interval: Interval, q?: RangeQuery): Promise<SignalRecord[]> {
    try {
      checkSeries(symbol, interval);
      const r = checkRange(q);
      const rows = this.#signals.get(`${symbol}\u0000${interval}`);
      if (!rows) return Promise.resolve([]);
      let lo = timeBound(rows, r.from, false);
      let hi = timeBound(rows, r.to, true);
      // Newest first: a limit with no `from` keeps the newest; with `from`, the oldest of the range.
      if (r.limit !== undefined && hi - lo > r.limit) {
        if (r.newest) lo = hi - r.limit;
        else hi = lo + r.limit;
      }
      const out: SignalRecord[] = new Array(Math.max(0, hi - lo));
      for (let i = hi - 1, k = 0; i >= lo; i--, k++) out[k] = rows[i];
      return Promise.resolve(out);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  latestSignals(): Promise<SignalRecord[]> {
    return Promise.resolve([...this.#latest.values()]);
  }

  strategies(): Promise<StrategyDoc[]> {
    const all = [...this.#strategies.values()].map((d) => structuredClone(d));
    return Promise.resolve(all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  }
  strategy(id: string): Promise<StrategyDoc | undefined> {
    const d = this.#strategies.get(id);
    return Promise.resolve(d ? structuredClone(d) : undefined);
  }
  putStrategy(doc: StrategyDoc): Promise<void> {
    try {
      const d = checkStrategy(doc);
      this.#strategies.set(d.id, d);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }
  deleteStrategy(id: string): Promise<boolean> {
    return Promise.resolve(this.#strategies.delete(id));
  }
}

/** Index of the first signal at or after (time, strategy) in an ascending series. */
function signalPosition(rows: readonly SignalRecord[], time: number, strategy: string): number {
  let lo = 0;
  let hi = rows.length;
  if (hi > 0 && rows[hi - 1].time < time) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = rows[mid];
    if (m.time < time || (m.time === time && m.strategy < strategy)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first signal with `time >= t` (`after`: `time > t`). */
function timeBound(rows: readonly SignalRecord[], t: number, after: boolean): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid].time < t || (after && rows[mid].time === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The memory store takes no options: any given is a mistake worth stopping for. */
const MemoryOptionsSchema = z.object({}).strict();

/** The `memory` store plugin. */
const plugin: StorePlugin = {
  kind: "store",
  id: "memory",
  description: "In-process memory: for tests and throw-away runs; nothing survives a restart.",
  create: (ctx) => {
    MemoryOptionsSchema.parse(ctx.options ?? {});
    return new MemoryStore();
  },
};
export default plugin;
