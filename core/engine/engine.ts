/**
 * The signal engine: compiles strategy profiles against the registered indicator and category
 * plugins and creates one streaming {@linkcode SignalSeries} per (symbol, interval). It knows no
 * indicator or exchange by name; everything specific comes from plugins and the profile.
 * @module
 */
import type { Candle } from "../candle.ts";
import type { Category } from "../category.ts";
import type { Indicator } from "../indicator.ts";
import type { Interval } from "../interval.ts";
import { pluginFile } from "../registry.ts";
import type { SignalRecord } from "../signal.ts";
import type { CompiledCategory, CompiledIndicator, CompiledStrategy } from "./compiled.ts";
import { SignalSeries, type SignalSeriesOptions } from "./series.ts";
import {
  BUILTIN_PROFILES,
  effectiveThresholds,
  effectiveWeakBelow,
  parseProfile,
  StrategyError,
} from "./strategy.ts";

/** The plugins an engine scores with (a `Registry` from `discover()` fits). */
export interface EnginePlugins {
  /** Indicator plugins, as a map by id or any iterable; ids must be unique. */
  indicators: ReadonlyMap<string, Indicator> | Iterable<Indicator>;
  /** Category plugins, likewise; their order is the default category order. */
  categories: ReadonlyMap<string, Category> | Iterable<Category>;
  /**
   * `kind:id` → the module URL each plugin came from (a `Registry`'s `sources`); optional, used
   * to name a misbehaving plugin's file.
   */
  sources?: ReadonlyMap<string, string>;
}

const WEIGHT_SUM_TOLERANCE = 1e-6;

function byId<T extends { id: string }>(src: ReadonlyMap<string, T> | Iterable<T>): Map<string, T> {
  const m = new Map<string, T>();
  const items = src instanceof Map ? src.values() : src as Iterable<T>;
  for (const x of items) {
    if (m.has(x.id)) throw new Error(`duplicate plugin id "${x.id}"`);
    m.set(x.id, x);
  }
  return m;
}

function orderedIds(preferred: readonly string[], all: Iterable<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const id of preferred) if (!seen.has(id)) (seen.add(id), out.push(id));
  for (const id of all) if (!seen.has(id)) (seen.add(id), out.push(id));
  return out;
}

/**
 * Validates `profile` against the plugins and resolves it for the hot path. Every problem
 * (unknown ids, bad indicator parameters, weights, a stops source that is not enabled, a
 * `warmup()` that throws or returns no usable count) is collected into one
 * {@linkcode StrategyError}.
 */
export function compileStrategy(
  id: string,
  profile: unknown,
  plugins: EnginePlugins,
): CompiledStrategy {
  const p = parseProfile(id, profile);
  const indicators = byId(plugins.indicators);
  const categories = byId(plugins.categories);
  const problems: string[] = [];
  const known = (m: Map<string, unknown>) => [...m.keys()].join(", ") || "none";
  const sources = plugins.sources;
  const fileOf = (kind: "indicator" | "category", pid: string): string | undefined =>
    sources === undefined ? undefined : pluginFile(sources, kind, pid);

  for (const key of Object.keys(p.indicators)) {
    if (!indicators.has(key)) {
      problems.push(`indicators.${key}: no such indicator (known: ${known(indicators)})`);
    }
  }
  const catIds = orderedIds(p.category_order, categories.keys());
  for (const c of catIds) {
    if (!categories.has(c)) {
      problems.push(`category_order: no such category "${c}" (known: ${known(categories)})`);
    }
  }
  const catPos = new Map<string, number>();
  const usedCats = catIds.filter((c) => categories.has(c));
  usedCats.forEach((c, i) => catPos.set(c, i));

  const compiled: CompiledIndicator[] = [];
  for (const indId of orderedIds(Object.keys(p.indicators), indicators.keys())) {
    const ind = indicators.get(indId);
    if (ind === undefined) continue;
    const choice = p.indicators[indId] ?? { enabled: true, params: {} };
    if (!choice.enabled) continue;
    const parsed = ind.params.safeParse(choice.params);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`indicators.${indId}.params.${issue.path.join(".")}: ${issue.message}`);
      }
      continue;
    }
    const cat = catPos.get(ind.category);
    if (cat === undefined) {
      problems.push(`indicators.${indId}: its category "${ind.category}" is not registered`);
      continue;
    }
    compiled.push({
      id: indId,
      indicator: ind,
      params: parsed.data,
      category: cat,
      states: new Set(ind.states),
      source: fileOf("indicator", indId),
    });
  }
  if (compiled.length === 0 && problems.length === 0) {
    problems.push("indicators: no indicator is enabled");
  }

  if (p.weights !== undefined) {
    for (const c of Object.keys(p.weights)) {
      if (!categories.has(c)) problems.push(`weights.${c}: no such category`);
    }
  }
  const weightOf = (c: string): number => p.weights ? p.weights[c] ?? 0 : categories.get(c)!.weight;
  if (p.scoring === "weighted") {
    if (p.weights === undefined) {
      const sum = usedCats.reduce((a, c) => a + weightOf(c), 0);
      if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
        problems.push(`weights: the category plugins' default weights sum to ${sum}; set weights`);
      }
    }
    for (const ci of compiled) {
      const c = usedCats[ci.category];
      if (weightOf(c) === 0) {
        problems.push(`weights.${c}: has weight 0 but indicator "${ci.id}" scores into it`);
      }
    }
  }

  const cats: CompiledCategory[] = usedCats.map((c, i) => {
    const plugin = categories.get(c)!;
    return {
      id: c,
      clamp: [plugin.clamp[0], plugin.clamp[1]] as const,
      weight: weightOf(c),
      combine: plugin.combine,
      members: compiled.flatMap((ci, j) => ci.category === i ? [j] : []),
      source: fileOf("category", c),
    };
  });

  const position = (c: string, where: string): number => {
    const i = catPos.get(c);
    if (i === undefined) problems.push(`${where}: no such category "${c}"`);
    return i ?? -1;
  };
  const members = p.confidence.categories.map((c) => position(c, "confidence.categories"));
  const aligned = p.confidence.aligned.map((c) => position(c, "confidence.aligned"));
  const maxMagnitude = members.reduce((a, i) => {
    if (i < 0) return a;
    const [lo, hi] = cats[i].clamp;
    return a + Math.max(Math.abs(lo), Math.abs(hi));
  }, 0);

  const stopsIndex = compiled.findIndex((ci) => ci.id === p.stops.indicator);
  if (stopsIndex < 0) {
    problems.push(`stops.indicator: "${p.stops.indicator}" is not an enabled indicator`);
  } else if (!compiled[stopsIndex].indicator.outputs.includes(p.stops.value)) {
    problems.push(
      `stops.value: "${p.stops.indicator}" has no output "${p.stops.value}" ` +
        `(outputs: ${compiled[stopsIndex].indicator.outputs.join(", ")})`,
    );
  }

  if (problems.length > 0) throw new StrategyError(id, problems);

  let warmup = 1;
  for (const ci of compiled) {
    const where = `indicators.${ci.id}${ci.source === undefined ? "" : ` (${ci.source})`}`;
    let w: number;
    try {
      w = ci.indicator.warmup(ci.params);
    } catch (e) {
      problems.push(`${where}: warmup() threw: ${(e as Error)?.message ?? e}`);
      continue;
    }
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      problems.push(`${where}: warmup() returned ${w}`);
      continue;
    }
    if (w > warmup) warmup = Math.ceil(w);
  }
  if (problems.length > 0) throw new StrategyError(id, problems);

  return Object.freeze({
    id,
    profile: p,
    scoring: p.scoring,
    thresholds: effectiveThresholds(p),
    indicators: compiled,
    categories: cats,
    confidence: {
      members,
      maxMagnitude,
      aligned,
      boost: p.confidence.boost,
      penalty: p.confidence.penalty,
    },
    risk: {
      weakBelow: effectiveWeakBelow(p),
      weakAdd: p.risk.weak_add,
      highAt: p.risk.high_at,
      mediumAt: p.risk.medium_at,
    },
    stops: {
      slMult: p.stops.sl_mult,
      tpMult: p.stops.tp_mult,
      widenSl: p.stops.widen_sl,
      widenTp: p.stops.widen_tp,
      minSlPct: p.stops.min_sl_pct,
      maxSlPct: p.stops.max_sl_pct ?? Infinity,
    },
    stopsSource: { indicator: stopsIndex, key: p.stops.value },
    widenReason: p.stops.widen_reason,
    warmup,
  });
}

/** Compiles strategies and creates per-market signal series over one set of plugins. */
export class SignalEngine {
  readonly #plugins: EnginePlugins;

  /** Indexes the plugins by id, keeping their order; throws on a duplicate id. */
  constructor(plugins: EnginePlugins) {
    this.#plugins = {
      indicators: byId(plugins.indicators),
      categories: byId(plugins.categories),
      sources: plugins.sources,
    };
  }

  /** Compiles a profile body; with no body, the built-in profile of that id (e.g. `default`). */
  compile(id: string, profile?: unknown): CompiledStrategy {
    const body = profile ?? BUILTIN_PROFILES[id];
    if (body === undefined) {
      throw new StrategyError(id, [
        `no profile given and no built-in profile "${id}" ` +
        `(built-in: ${Object.keys(BUILTIN_PROFILES).join(", ")})`,
      ]);
    }
    return compileStrategy(id, body, this.#plugins);
  }

  /** A fresh streaming evaluator for one market; feed it every closed candle in order. */
  series(
    symbol: string,
    interval: Interval,
    strategy: CompiledStrategy,
    opts: SignalSeriesOptions = {},
  ): SignalSeries {
    return new SignalSeries(symbol, interval, strategy, opts);
  }

  /** Runs a whole candle series and returns the signal of every candle after warm-up. */
  replay(
    symbol: string,
    interval: Interval,
    strategy: CompiledStrategy,
    candles: Iterable<Candle>,
    opts: SignalSeriesOptions = {},
  ): SignalRecord[] {
    const s = this.series(symbol, interval, strategy, opts);
    const out: SignalRecord[] = [];
    for (const c of candles) {
      const r = s.update(c);
      if (r !== undefined) out.push(r);
    }
    return out;
  }
}
