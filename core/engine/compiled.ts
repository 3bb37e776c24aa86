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
  /** Indicator id; also the `id` of its contribution in records. */
  readonly id: string;
  /** The registered plugin, which creates and judges the states. */
  readonly indicator: Indicator;
  /** Parameters as the plugin's schema parsed them (defaults filled in). */
  readonly params: unknown;
  /** Position of its category in {@linkcode CompiledStrategy.categories}. */
  readonly category: number;
  /**
   * The plugin's declared `states`, for the check of each new signal's state (a signal whose
   * state is not among them is refused as malformed).
   */
  readonly states: ReadonlySet<string>;
  /** The plugin's module file when the plugins came with their sources (a `Registry`). */
  readonly source?: string;
}

/** One category with its members. */
export interface CompiledCategory {
  /** Category id; also the `id` of its result in records. */
  readonly id: string;
  /** The plugin's inclusive clamp of the combined score. */
  readonly clamp: readonly [number, number];
  /** Weight used in weighted scoring (the profile's, else the plugin's default). */
  readonly weight: number;
  /** The plugin's own combination of member signals; absent = their sum. */
  readonly combine?: Category["combine"];
  /** Positions of its enabled indicators in {@linkcode CompiledStrategy.indicators}. */
  readonly members: readonly number[];
  /** The plugin's module file when the plugins came with their sources (a `Registry`). */
  readonly source?: string;
}

/** A ready-to-run strategy. Immutable and shareable between series. */
export interface CompiledStrategy {
  /** Profile id, written to every record's `strategy`. */
  readonly id: string;
  /** The validated profile it was compiled from (defaults filled in). */
  readonly profile: StrategyProfile;
  /** How category scores add up to the total. */
  readonly scoring: Scoring;
  /** Bias thresholds in effect: the profile's, else the scoring mode's defaults. */
  readonly thresholds: Thresholds;
  /** Enabled indicators: those named in the profile in its key order, then registry order. */
  readonly indicators: readonly CompiledIndicator[];
  /** Every registered category: `category_order` first, then registry order (record order). */
  readonly categories: readonly CompiledCategory[];
  /** The confidence rule with category ids resolved to positions in `categories`. */
  readonly confidence: ConfidencePlan;
  /** The risk rule with the scoring mode's weak-total bound resolved. */
  readonly risk: RiskPlan;
  /** The SL/TP geometry; `maxSlPct` is `Infinity` when the profile sets no upper bound. */
  readonly stops: StopsPlan;
  /** Where the stop distance's volatility value is read: indicator position and value key. */
  readonly stopsSource: { readonly indicator: number; readonly key: string };
  /** Reason line added to a record (weight 0.4) when its stops were widened. */
  readonly widenReason: string;
  /** Candles fed before the first signal: the largest warm-up of the enabled indicators. */
  readonly warmup: number;
}
