/**
 * Signal series for a backtest, built exactly as the live service builds them: plugins found by
 * `discover()`, the strategy compiled by the signal engine, one streaming series per market.
 * @module
 */
import type { Interval } from "../core/interval.ts";
import type { SignalDecision } from "../core/signal.ts";
import type { Candle } from "../core/candle.ts";
import { discover, type Registry } from "../core/registry.ts";
import { SignalEngine } from "../core/engine/engine.ts";
import type { CompiledStrategy } from "../core/engine/compiled.ts";
import type { DecisionColumns } from "../core/engine/decision_columns.ts";

/**
 * Anything that turns closed candles, in order, into trading decisions (a `SignalSeries` fits:
 * its `decide` is its `update` without packaging a record the backtest would drop).
 */
export interface SignalSource {
  /**
   * The decision on `candle`, `undefined` during warm-up. It may be one reused object: it is read
   * before the next call and not kept.
   */
  decide(candle: Candle): Readonly<SignalDecision> | undefined;
  /**
   * Optional: `decide` over `candles[start..end)` in one call, answers into `out` by position
   * (see `SignalSeries.decideBlock`, whose answers equal its `decide`'s).
   */
  decideBlock?(candles: readonly Candle[], start: number, end: number, out: DecisionColumns): void;
}

let registry: Promise<Registry> | undefined;

/** The plugin registry, discovered once per process. */
export function pluginRegistry(): Promise<Registry> {
  registry ??= discover();
  return registry;
}

/** A compiled strategy: a built-in profile by id, or `profile` (a profile body) under that id. */
export async function compileBacktestStrategy(
  strategyId: string,
  profile?: unknown,
): Promise<CompiledStrategy> {
  return new SignalEngine(await pluginRegistry()).compile(strategyId, profile);
}

/** A fresh live-identical signal series for one market. */
export async function engineSeries(
  symbol: string,
  interval: Interval,
  strategy: CompiledStrategy | string = "default",
): Promise<SignalSource & { readonly strategy: CompiledStrategy }> {
  const engine = new SignalEngine(await pluginRegistry());
  const compiled = typeof strategy === "string" ? engine.compile(strategy) : strategy;
  return engine.series(symbol, interval, compiled);
}
