/**
 * The signal engine's public surface, for `mod.ts` and the runtime: build an engine from the
 * registered plugins, compile strategy profiles, and feed one {@linkcode SignalSeries} per
 * (symbol, interval).
 *
 * ```ts
 * const engine = new SignalEngine(await discover());
 * const series = engine.series("BTC", "1h", engine.compile("default"), { priceRule });
 * const record = series.update(closedCandle); // undefined during warm-up
 * ```
 * @module
 */
export { compileStrategy, type EnginePlugins, SignalEngine } from "./engine.ts";
export type { CompiledCategory, CompiledIndicator, CompiledStrategy } from "./compiled.ts";
export type { ConfidencePlan } from "./confidence.ts";
export type { RiskPlan } from "./risk.ts";
export type { StopsPlan } from "./stops.ts";
export {
  CandleOrderError,
  PluginFailure,
  SignalSeries,
  type SignalSeriesOptions,
} from "./series.ts";
export { withPluginConfig } from "./plugin_config.ts";
export {
  BUILTIN_PROFILES,
  DEFAULT_PROFILE_INPUT,
  DEFAULT_STRATEGY_ID,
  INTEGER_THRESHOLDS,
  parseProfile,
  type Scoring,
  StrategyError,
  type StrategyProfile,
  type StrategyProfileInput,
  StrategyProfileSchema,
  type Thresholds,
  WEIGHTED_PROFILE_INPUT,
  WEIGHTED_THRESHOLDS,
} from "./strategy.ts";
export {
  FundingCursor,
  type FundingJoin,
  type FundingJoinOptions,
  fundingRateAt,
  joinFunding,
} from "./funding_join.ts";
export { type DecisionColumns, putDecision, readDecision, WARMING_UP } from "./decision_columns.ts";
export { ENGINE_VERSION } from "./version.ts";
