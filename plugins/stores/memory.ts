/**
 * The memory store: everything in process memory, for tests and throw-away runs.
 * Candles are kept per series in a time-sorted array (appends are O(1), reads binary-search).
 * @module
 */
import type {
  Candle,
  Health,
  Interval,
  RangeQuery,
  SignalRecord,
  Store,
  StorePlugin,
  StrategyDoc,
} from "perptrix";
import {
  checkCandleBatch,
  checkCount,
  checkRange,
  checkSeries,
  checkSignalBatch,
  checkStrategy,
  copyCandle,
  newestFirst,
  signalKey,
} from "./_validate.ts";
import { lowerBound, mergeCandles, upperBound } from "./_sorted.ts";

/** A store that lives only as long as the process. */
export class MemoryStore implements Store {
  readonly id = "memory";
  #candles = new Map<string, Candle[]>();
  #signals = new Map<string, Map<string, SignalRecord>>();
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
        const series = `${s.symbol}\u0000${s.interval}`;
        let m = this.#signals.get(series);
        if (!m) this.#signals.set(series, m = new Map());
        m.set(signalKey(s), s);
        const cur = this.#latest.get(series);
        if (!cur || s.time >= cur.time) this.#latest.set(series, s);
      }
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  signals(symbol: string, interval: Interval, q?: RangeQuery): Promise<SignalRecord[]> {
    try {
      checkSeries(symbol, interval);
      const r = checkRange(q);
      const m = this.#signals.get(`${symbol}\u0000${interval}`);
      if (!m) return Promise.resolve([]);
      const rows = [...m.values()].filter((s) => s.time >= r.from && s.time <= r.to);
      rows.sort(newestFirst);
      // Newest first: a limit with no `from` keeps the newest; with `from`, the oldest of the range.
      const cut = r.limit === undefined
        ? rows
        : r.newest
        ? rows.slice(0, r.limit)
        : rows.slice(Math.max(0, rows.length - r.limit));
      return Promise.resolve(cut.map((s) => structuredClone(s)));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  latestSignals(): Promise<SignalRecord[]> {
    return Promise.resolve([...this.#latest.values()].map((s) => structuredClone(s)));
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

/** The `memory` store plugin. It takes no options. */
const plugin: StorePlugin = {
  kind: "store",
  id: "memory",
  description: "In-process memory: for tests and throw-away runs; nothing survives a restart.",
  create: () => new MemoryStore(),
};
export default plugin;
