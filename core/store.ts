/**
 * The Store plugin contract: candles, signals and strategies.
 * @module
 */
import type { Candle } from "./candle.ts";
import type { Health } from "./health.ts";
import type { Interval } from "./interval.ts";
import type { SignalRecord } from "./signal.ts";
import type { PluginContext } from "./context.ts";

/** A time range and a count limit. `from`/`to` are inclusive open times in ms. */
export interface RangeQuery {
  from?: number;
  to?: number;
  /** With no `from`, the newest `limit` rows of the range are returned. */
  limit?: number;
}

/** A named strategy profile, stored as JSON. */
export interface StrategyDoc {
  id: string;
  name?: string;
  /** Profile body (validated by the engine's schema, opaque to stores). */
  config: unknown;
  created_at: number;
  updated_at: number;
}

/**
 * A running store. Upserts are idempotent: the same key written twice is stored once. Returned
 * records may be shared between readers and frozen (that is what makes reads cheap): never
 * mutate them.
 */
export interface Store {
  readonly id: string;
  start(): Promise<void>;
  /** Flushes pending writes and closes. */
  stop(): Promise<void>;
  /** Writes anything buffered. */
  flush(): Promise<void>;
  health(): Promise<Health>;

  /** Upserts candles keyed by (symbol, interval, time); the later value wins. Validates each. */
  upsertCandles(symbol: string, interval: Interval, candles: readonly Candle[]): Promise<void>;
  /** Candles in ascending time order. */
  candles(symbol: string, interval: Interval, q?: RangeQuery): Promise<Candle[]>;
  /** The newest `n` candles, ascending. */
  latestCandles(symbol: string, interval: Interval, n: number): Promise<Candle[]>;

  /** Upserts signals keyed by (symbol, interval, time, strategy). */
  upsertSignals(signals: readonly SignalRecord[]): Promise<void>;
  /** Signals newest first. */
  signals(symbol: string, interval: Interval, q?: RangeQuery): Promise<SignalRecord[]>;
  /** The latest signal per (symbol, interval). */
  latestSignals(): Promise<SignalRecord[]>;

  strategies(): Promise<StrategyDoc[]>;
  strategy(id: string): Promise<StrategyDoc | undefined>;
  putStrategy(doc: StrategyDoc): Promise<void>;
  /** Returns false when there was nothing to delete. */
  deleteStrategy(id: string): Promise<boolean>;
}

/** A store plugin: default-export one of these from a file in `plugins/stores/`. */
export interface StorePlugin {
  readonly kind: "store";
  readonly id: string;
  readonly description: string;
  create(ctx: PluginContext): Store;
}
