/**
 * A strategy compiled against the registered plugins: profile ids resolved to plugin objects and
 * array positions, so the per-candle path does no look-ups by name.
 * @module
 */
import type { Category } from "../category.ts";
import type { Indicator } from "../indicator.ts";
import type { ConfidencePlan } from "./confidence.ts";
import type { RiskPlan } from "./risk.ts";
import type { StopsPlan } from "./stops.ts";
import type { Scoring, StrategyProfile, Thresholds } from "./strategy.ts";

/** One enabled indicator with its validated parameters. */
export interface CompiledIndicator {
  readonly id: string;
  readonly indicator: Indicator;
  readonly params: unknown;
  /** Position of its category in {@linkcode CompiledStrategy.categories}. */
  readonly category: number;
}

/** One category with its members. */
export interface CompiledCategory {
  readonly id: string;
  readonly clamp: readonly [number, number];
  /** Weight used in weighted scoring (the profile's, else the plugin's default). */
  readonly weight: number;
  readonly combine?: Category["combine"];
  /** Positions of its enabled indicators in {@linkcode CompiledStrategy.indicators}. */
  readonly members: readonly number[];
}

/** A ready-to-run strategy. Immutable and shareable between series. */
export interface CompiledStrategy {
  readonly id: string;
  readonly profile: StrategyProfile;
  readonly scoring: Scoring;
  readonly thresholds: Thresholds;
  readonly indicators: readonly CompiledIndicator[];
  readonly categories: readonly CompiledCategory[];
  readonly confidence: ConfidencePlan;
  readonly risk: RiskPlan;
  readonly stops: StopsPlan;
  /** Where the stop distance's volatility value is read: indicator position and value key. */
  readonly stopsSource: { readonly indicator: number; readonly key: string };
  readonly widenReason: string;
  /** Candles fed before the first signal: the largest warm-up of the enabled indicators. */
  readonly warmup: number;
}
