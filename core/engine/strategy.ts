/**
 * Strategy profiles: everything that makes one signal engine differ from another, as data. A
 * profile names the indicators it uses and their parameters, how categories add up (integer sum
 * or weights), the bias thresholds, the confidence and risk rules and the SL/TP geometry. Stores
 * keep profiles as JSON (`StrategyDoc.config`); this schema is what validates them.
 * @module
 */
import { z } from "zod";

const ID = z.string().regex(/^[a-z][a-z0-9_\-]{0,63}$/, "ids are lower-case, [a-z0-9_-], ≤ 64");
// zod 4 numbers reject NaN and ±Infinity already.
const finite = z.number();

/** One indicator's switch and parameters (validated later by the indicator's own schema). */
// deno-doc-ignore missing-explicit-type -- the type is inferred from the zod schema
export const IndicatorChoiceSchema = z.object({
  enabled: z.boolean().default(true),
  params: z.record(z.string(), z.unknown()).default({}),
}).strict();

/** Bias thresholds on the total score; all inclusive (`score ≥ long` is bullish). */
// deno-doc-ignore missing-explicit-type -- the type is inferred from the zod schema
export const ThresholdsSchema = z.object({
  strong_long: finite,
  long: finite,
  short: finite,
  strong_short: finite,
}).strict().superRefine((t, ctx) => {
  if (!(t.strong_long >= t.long)) {
    ctx.addIssue({ code: "custom", message: "strong_long must be ≥ long", path: ["strong_long"] });
  }
  if (!(t.long > t.short)) {
    ctx.addIssue({ code: "custom", message: "long must be > short (no overlap)", path: ["long"] });
  }
  if (!(t.short >= t.strong_short)) {
    ctx.addIssue({ code: "custom", message: "short must be ≥ strong_short", path: ["short"] });
  }
});

/** Bias thresholds on the total score. */
// deno-doc-ignore private-type-ref -- derived from the schema with zod's own `output` type
export type Thresholds = z.infer<typeof ThresholdsSchema>;

/** Seed thresholds for the integer sum (README "Direction Thresholds"). */
export const INTEGER_THRESHOLDS: Thresholds = Object.freeze({
  strong_long: 7,
  long: 3,
  short: -3,
  strong_short: -7,
});

/**
 * Default thresholds for weighted scoring, whose total lies in [−1, 1]: the same share of the
 * range as the integer defaults (3/12 = 0.25 and 7/12 ≈ 0.58 of the ±12 integer range).
 */
export const WEIGHTED_THRESHOLDS: Thresholds = Object.freeze({
  strong_long: 0.58,
  long: 0.25,
  short: -0.25,
  strong_short: -0.58,
});

/** Confidence from category alignment (§3.3 of the behaviour spec, made configurable). */
// deno-doc-ignore missing-explicit-type -- the type is inferred from the zod schema
export const ConfidenceSchema = z.object({
  /** Categories whose magnitudes count; their clamp maxima sum to the maximum magnitude. */
  categories: z.array(ID).min(1),
  /** When all of these point the same way (all > 0 or all < 0) the boost applies. */
  aligned: z.array(ID).default([]),
  boost: z.number().min(0).max(10).default(1.2),
  penalty: z.number().min(0).max(10).default(0.8),
}).strict();

/** Confidence rule. */
// deno-doc-ignore private-type-ref -- derived from the schema with zod's own `output` type
export type ConfidenceRule = z.infer<typeof ConfidenceSchema>;

/** Risk level from the summed indicator risk adjustments plus a weak-score penalty (§3.4). */
// deno-doc-ignore missing-explicit-type -- the type is inferred from the zod schema
export const RiskSchema = z.object({
  /** A total with `|total| < weak_below` adds `weak_add`; omitted = the scoring mode's default. */
  weak_below: z.number().min(0).optional(),
  weak_add: finite.default(1),
  /** Risk count at or above which the level is High. */
  high_at: finite.default(3),
  /** Risk count at or above which the level is Medium (below: Low). */
  medium_at: finite.default(1),
}).strict().refine((r) => r.high_at > r.medium_at, {
  message: "high_at must be > medium_at",
  path: ["high_at"],
});

/** Risk rule (input form). */
// deno-doc-ignore private-type-ref -- derived from the schema with zod's own `input` type
export type RiskRuleInput = z.input<typeof RiskSchema>;

/** SL/TP geometry: distances are multiples of a volatility value read from an indicator. */
// deno-doc-ignore missing-explicit-type -- the type is inferred from the zod schema
export const StopsSchema = z.object({
  /** Indicator whose `values()` hold the volatility measure. */
  indicator: ID.default("atr"),
  /** Key of that value, e.g. `"atr"`. */
  value: z.string().min(1).default("atr"),
  sl_mult: z.number().positive().max(100).default(1.2),
  tp_mult: z.number().positive().max(100).default(2.0),
  /** Factors applied when an indicator asks for wider stops (e.g. extreme funding). */
  widen_sl: z.number().min(1).max(10).default(1.2),
  widen_tp: z.number().min(1).max(10).default(1.1),
  /** Reason text added when stops were widened. */
  widen_reason: z.string().min(1).max(200).default("Widened SL/TP due to funding imbalance"),
  /** Lower bound of the SL distance in percent; TP scales with it to keep reward/risk. */
  min_sl_pct: z.number().min(0).lt(100).default(0),
  /** Upper bound of the SL distance in percent; TP scales with it. Below 100 so a long's SL > 0. */
  max_sl_pct: z.number().positive().lt(100).optional(),
}).strict().refine((s) => s.max_sl_pct === undefined || s.max_sl_pct >= s.min_sl_pct, {
  message: "max_sl_pct must be ≥ min_sl_pct",
  path: ["max_sl_pct"],
});

/** SL/TP rule after defaults. */
// deno-doc-ignore private-type-ref -- derived from the schema with zod's own `output` type
export type StopsRule = z.infer<typeof StopsSchema>;

/** How category scores become the total. */
// deno-doc-ignore missing-explicit-type -- the type is inferred from the zod schema
export const ScoringSchema = z.enum(["integer", "weighted"]);

/** `integer`: the seed's plain sum. `weighted`: Σ weight × score/clamp-max, in [−1, 1]. */
// deno-doc-ignore private-type-ref -- derived from the schema with zod's own `output` type
export type Scoring = z.infer<typeof ScoringSchema>;

const WEIGHT_SUM_TOLERANCE = 1e-6;

/** The strategy profile as stored (input form: most keys are optional). */
// deno-doc-ignore missing-explicit-type -- the type is inferred from the zod schema
export const StrategyProfileSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(2000).optional(),
  scoring: ScoringSchema.default("integer"),
  /** Omitted = the scoring mode's defaults ({@linkcode INTEGER_THRESHOLDS} or weighted). */
  thresholds: ThresholdsSchema.optional(),
  /** Category weights for weighted scoring; omitted = each category plugin's default weight. */
  weights: z.record(ID, z.number().min(0).max(1)).optional(),
  /**
   * Indicator switches and parameters by indicator id. Key order is the order of contributions
   * and reasons; indicators not listed are enabled with their default parameters.
   */
  indicators: z.record(ID, IndicatorChoiceSchema).default({}),
  /** Category order in the record; categories not listed follow in registry order. */
  category_order: z.array(ID).default([]),
  confidence: ConfidenceSchema.default({
    categories: ["trend", "momentum", "volume", "perp"],
    aligned: ["trend", "momentum"],
    boost: 1.2,
    penalty: 0.8,
  }),
  risk: RiskSchema.default({ weak_add: 1, high_at: 3, medium_at: 1 }),
  stops: StopsSchema.default(() => StopsSchema.parse({})),
}).strict().superRefine((p, ctx) => {
  if (p.weights !== undefined) {
    const sum = Object.values(p.weights).reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
      ctx.addIssue({
        code: "custom",
        message: `weights must sum to 1, got ${sum}`,
        path: ["weights"],
      });
    }
  }
  if (p.scoring === "weighted" && p.thresholds !== undefined) {
    for (const [k, v] of Object.entries(p.thresholds)) {
      if (Math.abs(v) > 1) {
        ctx.addIssue({
          code: "custom",
          message: `weighted totals lie in [-1, 1]; threshold ${v} can never be reached`,
          path: ["thresholds", k],
        });
      }
    }
  }
});

/** A strategy profile as written by a user (optional keys may be missing). */
// deno-doc-ignore private-type-ref -- derived from the schema with zod's own `input` type
export type StrategyProfileInput = z.input<typeof StrategyProfileSchema>;
/** A validated strategy profile with defaults filled in. */
// deno-doc-ignore private-type-ref -- derived from the schema with zod's own `output` type
export type StrategyProfile = z.output<typeof StrategyProfileSchema>;

/** Id of the profile used when a symbol has none. */
export const DEFAULT_STRATEGY_ID = "default";

/**
 * The seed's engine as a profile: the ten indicators in the legacy reason order, integer sum,
 * thresholds 7/3/−3/−7, confidence over trend/momentum/volume/perp with the ±20 % trend/momentum
 * rule, and ATR(14) × 1.2 / × 2.0 stops widened ×1.2 / ×1.1 on extreme funding.
 */
export const DEFAULT_PROFILE_INPUT: StrategyProfileInput = {
  name: "Seed",
  description: "The original category aggregator: integer sum of clamped category scores.",
  scoring: "integer",
  thresholds: { ...INTEGER_THRESHOLDS },
  indicators: {
    ema_cross: { enabled: true, params: {} },
    supertrend: { enabled: true, params: {} },
    rsi: { enabled: true, params: {} },
    macd: { enabled: true, params: {} },
    bollinger: { enabled: true, params: {} },
    atr: { enabled: true, params: {} },
    obv: { enabled: true, params: {} },
    volume_profile: { enabled: true, params: {} },
    open_interest: { enabled: true, params: {} },
    funding: { enabled: true, params: {} },
  },
  category_order: ["trend", "momentum", "volatility", "volume", "perp"],
  confidence: {
    categories: ["trend", "momentum", "volume", "perp"],
    aligned: ["trend", "momentum"],
    boost: 1.2,
    penalty: 0.8,
  },
  risk: { weak_below: 2, weak_add: 1, high_at: 3, medium_at: 1 },
  stops: {
    indicator: "atr",
    value: "atr",
    sl_mult: 1.2,
    tp_mult: 2.0,
    widen_sl: 1.2,
    widen_tp: 1.1,
    min_sl_pct: 0,
  },
};

/** The seed profile with weighted scoring: category weights count, thresholds in [−1, 1]. */
export const WEIGHTED_PROFILE_INPUT: StrategyProfileInput = {
  ...DEFAULT_PROFILE_INPUT,
  name: "Weighted",
  description: "Seed indicators; each category normalised to [-1, 1] and weighted.",
  scoring: "weighted",
  thresholds: { ...WEIGHTED_THRESHOLDS },
  risk: { weak_below: 2 / 12, weak_add: 1, high_at: 3, medium_at: 1 },
};

/** Profiles that exist without a store, by id. */
export const BUILTIN_PROFILES: Readonly<Record<string, StrategyProfileInput>> = Object.freeze({
  [DEFAULT_STRATEGY_ID]: DEFAULT_PROFILE_INPUT,
  weighted: WEIGHTED_PROFILE_INPUT,
});

/** Invalid strategy profile: `problems` lists every issue as `path: message`. */
export class StrategyError extends Error {
  /** `"StrategyError"`: what logs and stack traces show instead of the generic `"Error"`. */
  override name = "StrategyError";
  /** `strategy` is the profile id; the message lists `problems`, one per indented line. */
  constructor(readonly strategy: string, readonly problems: string[]) {
    super(`invalid strategy "${strategy}":\n  ${problems.join("\n  ")}`);
  }
}

/** Validates a profile body, throwing a {@linkcode StrategyError} that lists every problem. */
export function parseProfile(id: string, input: unknown): StrategyProfile {
  const r = StrategyProfileSchema.safeParse(input);
  if (!r.success) {
    throw new StrategyError(
      id,
      r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`),
    );
  }
  return r.data;
}

/** Fills the scoring-dependent defaults: thresholds and the weak-score bound of the risk rule. */
export function effectiveThresholds(p: StrategyProfile): Thresholds {
  return p.thresholds ?? (p.scoring === "weighted" ? WEIGHTED_THRESHOLDS : INTEGER_THRESHOLDS);
}

/** `|total|` below this counts as weak: 2 in integer scoring, 2/12 of the range when weighted. */
export function effectiveWeakBelow(p: StrategyProfile): number {
  return p.risk.weak_below ?? (p.scoring === "weighted" ? 2 / 12 : 2);
}
