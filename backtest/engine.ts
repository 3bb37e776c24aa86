/**
 * Signal series for a backtest, built exactly as the live service builds them: plugins found by
 * `discover()`, the strategy compiled by the signal engine, one streaming series per market.
 * @module
 */
import type { Interval } from "../core/interval.ts";
import type { SignalRecord } from "../core/signal.ts";
import type { Candle } from "../core/candle.ts";
import { discover, type Registry } from "../core/registry.ts";
import { SignalEngine } from "../core/engine/engine.ts";
import type { CompiledStrategy } from "../core/engine/compiled.ts";

/** Anything that turns closed candles, in order, into signals (a `SignalSeries` fits). */
export interface SignalSource {
  update(candle: Candle): SignalRecord | undefined;
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
