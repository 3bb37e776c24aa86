/**
 * Adapts the signal engine to the runtime's {@linkcode Evaluator} seam: one streaming
 * {@linkcode SignalSeries} per (symbol, interval), the strategy chosen per symbol by the
 * configuration, indicator switches and parameters from `config.plugins` applied on top.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { Config } from "../core/config.ts";
import type { Interval } from "../core/interval.ts";
import type { PriceRule } from "../core/price_rule.ts";
import type { Registry } from "../core/registry.ts";
import type { SignalRecord } from "../core/signal.ts";
import {
  BUILTIN_PROFILES,
  CandleOrderError,
  type CompiledStrategy,
  SignalEngine,
  type SignalSeries,
  type StrategyProfileInput,
  withPluginConfig,
} from "../core/engine/mod.ts";
import type { Evaluator } from "./evaluator.ts";

/** Options for {@linkcode createEvaluator}. */
export interface EvaluatorOptions {
  /** Stored strategy profiles by id (from `Store.strategies()`); they win over built-ins. */
  profiles?: ReadonlyMap<string, unknown>;
  /** The market's price rule for SL/TP rounding (e.g. from the provider). */
  priceRule?: (symbol: string) => PriceRule | undefined;
  /** Strategies compiled once by {@linkcode compileStrategies}, shared by every evaluator. */
  compiled?: CompiledStrategies;
}

/** The engine and each symbol's compiled strategy. */
export interface CompiledStrategies {
  engine: SignalEngine;
  forSymbol: (symbol: string) => CompiledStrategy;
}

/**
 * Compiles the strategy each configured symbol uses; throws `StrategyError` listing every
 * problem, so a bad profile stops start-up rather than the first evaluation.
 */
export function compileStrategies(
  registry: Registry,
  config: Config,
  opts: EvaluatorOptions = {},
): CompiledStrategies {
  const engine = new SignalEngine(registry);
  const compiled = new Map<string, CompiledStrategy>();
  const compile = (id: string) => {
    let c = compiled.get(id);
    if (!c) {
      const body = (opts.profiles?.get(id) ?? BUILTIN_PROFILES[id]) as
        | StrategyProfileInput
        | undefined;
      c = engine.compile(
        id,
        body === undefined ? undefined : withPluginConfig(body, registry, config.plugins),
      );
      compiled.set(id, c);
    }
    return c;
  };
  const idFor = (symbol: string) => config.strategies[symbol] ?? config.default_strategy;
  for (const s of config.symbols) compile(idFor(s));
  return { engine, forSymbol: (symbol) => compile(idFor(symbol)) };
}

/** Builds a fresh evaluator; each call has its own series states. */
export function createEvaluator(
  registry: Registry,
  config: Config,
  opts: EvaluatorOptions = {},
): Evaluator {
  const { engine, forSymbol } = opts.compiled ?? compileStrategies(registry, config, opts);
  const series = new Map<string, SignalSeries>();
  return {
    update(symbol: string, interval: Interval, candle: Candle): SignalRecord | undefined {
      const key = `${symbol}|${interval}`;
      let s = series.get(key);
      if (!s) {
        s = engine.series(symbol, interval, forSymbol(symbol), {
          priceRule: opts.priceRule?.(symbol),
        });
        series.set(key, s);
      }
      try {
        return s.update(candle);
      } catch (e) {
        // A candle already evaluated (a replay or a retry) is not evaluated twice.
        if (e instanceof CandleOrderError) return undefined;
        throw e;
      }
    },
    warmup: (symbol: string) => forSymbol(symbol).warmup,
  };
}
