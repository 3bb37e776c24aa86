/**
 * The Provider plugin contract: a market-data source.
 * @module
 */
import type { Candle } from "./candle.ts";
import type { Health } from "./health.ts";
import type { Interval } from "./interval.ts";
import type { FundingPoint, OpenInterestPoint, PerpSnapshot } from "./market.ts";
import type { PluginContext } from "./context.ts";
import type { PriceRule } from "./price_rule.ts";

/** Where a provider delivers live data. Handlers must not throw; they are called in order. */
export interface MarketSink {
  /** A closed candle: final OHLCV, delivered once per (symbol, interval, time), in time order. */
  candle(symbol: string, interval: Interval, candle: Candle): void;
  /** The still-open candle, as it updates. */
  partial?(symbol: string, interval: Interval, candle: Candle): void;
  /** A perp context update (funding, open interest, mark). */
  perp?(snapshot: PerpSnapshot): void;
}

/** A running market-data source. */
export interface Provider {
  /** Id of the plugin that created it, e.g. `"hyperliquid"`. */
  readonly id: string;
  /** Connects and starts streaming every (symbol, interval) to the sink. */
  start(sink: MarketSink): Promise<void>;
  /** Closes connections; returns within a bounded time. */
  stop(): Promise<void>;
  /** Current health from state already held (synchronous: no I/O). */
  health(): Health;
  /** Closed candles with `from <= time <= to`, ascending. */
  candles(symbol: string, interval: Interval, from: number, to: number): Promise<Candle[]>;
  /** Funding settlements with `from <= time <= to`, ascending. */
  funding(symbol: string, from: number, to: number): Promise<FundingPoint[]>;
  /** Open-interest history if the venue has one (Hyperliquid has none: empty). */
  openInterest(symbol: string, from: number, to: number): Promise<OpenInterestPoint[]>;
  /** The latest still-open candle seen for (symbol, interval), if any. */
  openCandle?(symbol: string, interval: Interval): Candle | undefined;
  /** How the venue lets a price be written, for SL/TP rounding; undefined when unknown. */
  priceRule?(symbol: string): PriceRule | undefined;
}

/** A provider plugin: default-export one of these from a folder in `providers/`. */
export interface ProviderPlugin {
  /** Always `"provider"`; discovery rejects a module in `providers/` whose kind differs. */
  readonly kind: "provider";
  /** Unique id, lower-case; `config.provider` selects it. */
  readonly id: string;
  /** One line for `/plugins` and the docs. */
  readonly description: string;
  /** Builds the provider (validating `ctx.options`); {@linkcode Provider.start} connects. */
  create(ctx: PluginContext): Provider;
}
