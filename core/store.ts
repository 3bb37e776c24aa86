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
  /** Earliest open time included, epoch ms; default: from the start. */
  from?: number;
  /** Latest open time included, epoch ms; default: no upper bound. */
  to?: number;
  /** With no `from`, the newest `limit` rows of the range are returned. */
  limit?: number;
}

/** A named strategy profile, stored as JSON. */
export interface StrategyDoc {
  /** Profile id; a stored profile overrides a built-in one with the same id. */
  id: string;
  /** Human-readable name, optional. */
  name?: string;
  /** Profile body (validated by the engine's schema, opaque to stores). */
  config: unknown;
  /** Creation time, epoch ms; kept when the profile is replaced. */
  created_at: number;
  /** Time of the last write, epoch ms. */
  updated_at: number;
}

/**
 * A running store. Upserts are idempotent: the same key written twice is stored once. Returned
 * records may be shared between readers and frozen (that is what makes reads cheap): never
 * mutate them.
 */
export interface Store {
  /** Id of the plugin that created it, e.g. `"kv"`. */
  readonly id: string;
  /** Opens the backend (files, connections); call before anything else. */
  start(): Promise<void>;
  /** Flushes pending writes and closes. */
  stop(): Promise<void>;
  /** Writes anything buffered. */
  flush(): Promise<void>;
  /** Current health; may probe the backend, hence async. */
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

  /** Every stored profile (built-ins are not stored), in id order. */
  strategies(): Promise<StrategyDoc[]>;
  /** The stored profile with that id, or `undefined`. */
  strategy(id: string): Promise<StrategyDoc | undefined>;
  /** Creates or replaces the profile stored under `doc.id`. */
  putStrategy(doc: StrategyDoc): Promise<void>;
  /** Returns false when there was nothing to delete. */
  deleteStrategy(id: string): Promise<boolean>;
}

/** A store plugin: default-export one of these from a file in `plugins/stores/`. */
export interface StorePlugin {
  /** Always `"store"`; discovery rejects a module in `plugins/stores/` whose kind differs. */
  readonly kind: "store";
  /** Unique id, lower-case; `config.store` selects it. */
  readonly id: string;
  /** One line for `/plugins` and the docs. */
  readonly description: string;
  /** Builds the store without opening it; {@linkcode Store.start} opens it. */
  create(ctx: PluginContext): Store;
}
