/**
 * The streaming evaluator of one (symbol, interval, strategy): one indicator state per enabled
 * indicator, fed each closed candle once and in order; after warm-up every candle yields exactly
 * one signal record. Deterministic: the record depends only on the candles and the strategy.
 * @module
 */
import { type Candle, CandleError, candleProblem } from "../candle.ts";
import type { Indicator, IndicatorSignal, IndicatorState } from "../indicator.ts";
import type { Interval } from "../interval.ts";
import { exactPriceRule, type PriceRule } from "../price_rule.ts";
import type { CategoryResult, Contribution, Reason, SignalRecord } from "../signal.ts";
import type { CompiledStrategy } from "./compiled.ts";
import { confidence } from "./confidence.ts";
import { riskLevel } from "./risk.ts";
import { biasOf, clampScore, directionOf, totalScore } from "./score.ts";
import { type StopDistances, stopDistancesInto, type StopPrices, stopPricesInto } from "./stops.ts";
import { ENGINE_VERSION } from "./version.ts";

/** A candle at or before the last one fed: refused so no candle is ever evaluated twice. */
export class CandleOrderError extends Error {
  override name = "CandleOrderError";
  constructor(readonly where: string, readonly time: number, readonly lastTime: number) {
    super(
      `${where}: candle time ${time} is not after the last candle's ${lastTime}` +
        (time === lastTime ? " (already evaluated)" : " (out of order)"),
    );
  }
}

/** A plugin misbehaved (threw, or returned a malformed signal); the message names it. */
export class PluginFailure extends Error {
  override name = "PluginFailure";
}

/** An indicator signal as it appears in records: its contribution and its reason line. */
interface Part {
  readonly contribution: Contribution;
  /** `contribution.score`, flat for the category loop. */
  readonly score: number;
  readonly reason: Reason | null;
  /** Index in the slot's cache, −1 when not cached (the signal was not frozen). */
  readonly code: number;
  /**
   * The signal's risk function and stop-widening flag, copied so the hot loops read one shape
   * (parts) instead of the plugins' many signal shapes (megamorphic property loads).
   */
  readonly risk: ((total: number) => number) | undefined;
  readonly widen: boolean;
}

/** Placeholders of the per-slot scratch arrays before the first evaluation. */
const NO_SIGNAL: IndicatorSignal = Object.freeze({ score: 0, state: "", reason: "" });
const NO_PART: Part = Object.freeze({
  contribution: Object.freeze({ id: "", state: "", score: 0, reason: "" }),
  score: 0,
  reason: null,
  code: -1,
  risk: undefined,
  widen: false,
});

const NO_RISK = (): number => 0;

/** Bound of each slot's part cache (an indicator has a handful of states). */
const MAX_PARTS = 64;
/** Bound of each category's result cache. */
const MAX_CATEGORY_RESULTS = 4096;

/**
 * Slots per category of the direct-mapped table in front of the result Map (power of two): the
 * few combinations a category cycles through are found by one typed-array compare, not a hash
 * look-up.
 */
const HOT_SLOTS = 256;

/** Per-series options. */
export interface SignalSeriesOptions {
  /** Rounds SL/TP prices to the market's rules; default: no rounding. */
  priceRule?: PriceRule;
}

const RISK_LOW: Reason = Object.freeze({ text: "Risk level: Low", weight: 0.5 });
const RISK_MEDIUM: Reason = Object.freeze({ text: "Risk level: Medium", weight: 0.5 });
const RISK_HIGH: Reason = Object.freeze({ text: "Risk level: High", weight: 0.5 });

function riskReason(risk: string): Reason {
  return risk === "Low" ? RISK_LOW : risk === "Medium" ? RISK_MEDIUM : RISK_HIGH;
}

/** A stop volatility value as the stop rule sees it: NaN for anything it would refuse. */
function stopValue(v: unknown): number {
  return typeof v === "number" && v > 0 && Number.isFinite(v) ? v : NaN;
}

/** Valid agreeing reads of a stops getter with `values()` before the getter is trusted alone. */
const STOP_GETTER_CHECKS = 64;

/** The getter of `key` on `state`'s prototype chain, if it has one (not own data properties). */
function findGetter(state: object, key: string): ((this: object) => unknown) | undefined {
  let o: object | null = state;
  for (let depth = 0; o !== null && depth < 16; depth++) {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d !== undefined) return typeof d.get === "function" ? d.get : undefined;
    o = Object.getPrototypeOf(o);
  }
  return undefined;
}

/**
 * An array of `n` copies of `v` built by appending, so V8 keeps it packed (`new Array(n)` is holey
 * for good, and every per-candle read of a holey array checks for holes).
 */
function packed<T>(n: number, v: T): T[] {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
}

function checkSignal(s: IndicatorSignal, id: string): string | undefined {
  if (s === null || typeof s !== "object") return `indicator "${id}" evaluate() returned ${s}`;
  if (typeof s.score !== "number" || !Number.isFinite(s.score)) {
    return `indicator "${id}" returned score ${s.score}`;
  }
  if (typeof s.state !== "string") return `indicator "${id}" returned state ${s.state}`;
  if (typeof s.reason !== "string") return `indicator "${id}" returned reason ${s.reason}`;
  return undefined;
}

/** Streaming signal evaluator for one market. Not thread-shared; one per (symbol, interval). */
export class SignalSeries {
  readonly symbol: string;
  readonly interval: Interval;
  readonly strategy: CompiledStrategy;
  readonly #where: string;
  readonly #states: IndicatorState[];
  readonly #rule: PriceRule;
  readonly #scores: Float64Array;
  readonly #weights: Float64Array;
  readonly #clamps: (readonly [number, number])[];
  readonly #signals: IndicatorSignal[];
  /**
   * Per indicator slot: the frozen signals seen so far and their shared record parts, at the
   * part's code. A plugin has a handful of states, so a linear identity scan beats a Map.
   */
  readonly #partSignals: IndicatorSignal[][];
  readonly #partCache: Part[][];
  /** Per slot: the last signal and its part (states usually persist from candle to candle). */
  readonly #lastSignals: (IndicatorSignal | undefined)[];
  readonly #lastParts: (Part | undefined)[];
  /** Parts of the candle being evaluated, by slot. */
  readonly #current: Part[];
  /** Per category: key of the member parts → shared frozen result. */
  readonly #categoryCache: Map<number, CategoryResult>[];
  /** Per category: the last key looked up (−1: none) and its result. */
  readonly #lastKeys: Float64Array;
  readonly #lastResults: (CategoryResult | undefined)[];
  /**
   * Per category, {@linkcode HOT_SLOTS} slots (category k at k × HOT_SLOTS): a key (−1: empty) and
   * its result, which is always the one the Map holds or held for that key.
   */
  readonly #hotKeys: Float64Array;
  readonly #hotResults: (CategoryResult | undefined)[];
  /** Stops source: the state and value key SL/TP distances are read from. */
  readonly #stopsState: IndicatorState;
  /**
   * The stops source's getter for the value key (e.g. ATR's `atr`), so the per-candle path reads
   * one number instead of building the whole `values()` object; `undefined`: read `values()`.
   * Until {@linkcode STOP_GETTER_CHECKS} valid reads agreed with `values()`, both are read, the
   * record follows `values()`, and a disagreement drops the getter for good.
   */
  #stopGetter: ((this: object) => unknown) | undefined;
  #stopChecks = 0;
  /** Reused outputs of the stop rule (copied into the record as numbers). */
  readonly #stopDist: StopDistances = { sl_pct: 0, tp_pct: 0, widened: false };
  readonly #stopPx: StopPrices = { sl_price: null, tp_price: null };
  /** Scratch for the reasons of the candle being evaluated (record gets a copy). */
  readonly #reasonBuf: Reason[];
  /** The shared frozen reason line of widened stops. */
  readonly #widenReason: Reason;
  /**
   * Per slot: the state's feed method (`updateTrusted` when it has one: the engine validates
   * first), read once here so the update loop makes no megamorphic property loads over ten
   * plugin state shapes (called with the state as `this`); the plugins and their parameters.
   */
  readonly #feeds: ((this: IndicatorState, candle: Candle) => void)[];
  readonly #indicators: Indicator[];
  readonly #params: unknown[];
  /** Scratch: the risk functions of the candle being evaluated and their signals, in slot order. */
  readonly #riskFns: ((total: number) => number)[];
  readonly #riskSignals: IndicatorSignal[];
  #count = 0;
  #last = -Infinity;
  #failed: Error | undefined;

  constructor(
    symbol: string,
    interval: Interval,
    strategy: CompiledStrategy,
    opts: SignalSeriesOptions = {},
  ) {
    this.symbol = symbol;
    this.interval = interval;
    this.strategy = strategy;
    this.#where = `${symbol} ${interval}`;
    this.#rule = opts.priceRule ?? exactPriceRule;
    this.#states = strategy.indicators.map((ci) => ci.indicator.create(ci.params));
    this.#scores = new Float64Array(strategy.categories.length);
    this.#weights = Float64Array.from(strategy.categories, (c) => c.weight);
    this.#clamps = strategy.categories.map((c) => c.clamp);
    const n = strategy.indicators.length;
    this.#signals = packed<IndicatorSignal>(n, NO_SIGNAL);
    this.#partSignals = strategy.indicators.map(() => []);
    this.#partCache = strategy.indicators.map(() => []);
    this.#lastSignals = packed(n, undefined);
    this.#lastParts = packed(n, undefined);
    this.#current = packed<Part>(n, NO_PART);
    this.#categoryCache = strategy.categories.map(() => new Map());
    this.#lastKeys = new Float64Array(strategy.categories.length).fill(-1);
    this.#lastResults = packed(strategy.categories.length, undefined);
    this.#hotKeys = new Float64Array(strategy.categories.length * HOT_SLOTS).fill(-1);
    this.#hotResults = packed(strategy.categories.length * HOT_SLOTS, undefined);
    this.#stopsState = this.#states[strategy.stopsSource.indicator];
    this.#stopGetter = findGetter(this.#stopsState, strategy.stopsSource.key);
    // At most one reason per indicator, plus the widened-stops and risk lines.
    this.#reasonBuf = packed(n + 2, RISK_LOW);
    this.#widenReason = Object.freeze({ text: strategy.widenReason, weight: 0.4 });
    this.#feeds = this.#states.map((st) =>
      typeof st.updateTrusted === "function" ? st.updateTrusted : st.update
    );
    this.#indicators = strategy.indicators.map((ci) => ci.indicator);
    this.#params = strategy.indicators.map((ci) => ci.params);
    this.#riskFns = packed<(total: number) => number>(n, NO_RISK);
    this.#riskSignals = packed(n, NO_SIGNAL);
  }

  /** Candles accepted so far. */
  get count(): number {
    return this.#count;
  }

  /** Open time of the last accepted candle (−Infinity before the first). */
  get lastTime(): number {
    return this.#last;
  }

  /** True once a candle fed now would produce a signal. */
  get ready(): boolean {
    return this.#count + 1 >= this.strategy.warmup;
  }

  /**
   * Feeds one closed candle. Returns its signal, or `undefined` during warm-up. Throws
   * {@linkcode CandleError} for an invalid candle and {@linkcode CandleOrderError} for one not
   * after the last; neither touches any state. If an indicator throws while updating, the states
   * are no longer consistent: the series fails for good ({@linkcode PluginFailure}) and must be
   * rebuilt from history.
   */
  update(candle: Candle): SignalRecord | undefined {
    if (this.#failed !== undefined) {
      throw new PluginFailure(`${this.#where}: series failed earlier: ${this.#failed.message}`);
    }
    const problem = candleProblem(candle);
    if (problem !== undefined) throw new CandleError(`${this.#where}: ${problem}`);
    if (candle.time <= this.#last) throw new CandleOrderError(this.#where, candle.time, this.#last);
    const states = this.#states;
    let i = 0;
    try {
      // The candle was validated above and is after the last: the plugins' trusted path applies.
      const feeds = this.#feeds;
      for (; i < states.length; i++) feeds[i].call(states[i], candle);
    } catch (e) {
      this.#failed = new PluginFailure(
        `indicator "${this.strategy.indicators[i].id}" update threw: ${(e as Error)?.message ?? e}`,
      );
      throw new PluginFailure(`${this.#where}: ${this.#failed.message}`);
    }
    this.#last = candle.time;
    this.#count++;
    if (this.#count < this.strategy.warmup) return undefined;
    return this.#evaluate(candle);
  }

  /**
   * The record part of slot `i` for signal `s`. Plugins return shared frozen signals for their
   * static states, so parts for frozen signals are built once per (slot, signal) and reused:
   * records share immutable parts instead of allocating them per candle. A plugin that returns
   * fresh objects gets fresh parts (no caching, no growth).
   */
  #part(i: number, s: IndicatorSignal): Part {
    if (this.#lastSignals[i] === s) return this.#lastParts[i]!;
    const seen = this.#partSignals[i];
    const cache = this.#partCache[i];
    for (let c = 0; c < seen.length; c++) {
      if (seen[c] === s) {
        this.#lastSignals[i] = s;
        return this.#lastParts[i] = cache[c];
      }
    }
    const ci = this.strategy.indicators[i];
    const bad = checkSignal(s, ci.id);
    if (bad !== undefined) throw new PluginFailure(`${this.#where}: ${bad}`);
    const contribution: Contribution = {
      id: ci.id,
      state: s.state,
      score: s.score,
      reason: s.reason,
    };
    const reason: Reason | null = s.reason === "" ? null : { text: s.reason, weight: 1 };
    const risk = s.risk;
    const widen = s.widenStops === true;
    const score = s.score;
    if (!Object.isFrozen(s)) return { contribution, score, reason, code: -1, risk, widen };
    if (seen.length >= MAX_PARTS) {
      // A plugin minting frozen signals: stay bounded. Codes restart, so results keyed by the old
      // codes must go too.
      seen.length = 0;
      cache.length = 0;
      for (const c of this.#categoryCache) c.clear();
      this.#lastKeys.fill(-1);
      this.#lastResults.fill(undefined);
      this.#hotKeys.fill(-1);
      this.#hotResults.fill(undefined);
    }
    const part: Part = Object.freeze({
      contribution: Object.freeze(contribution),
      score,
      reason: reason && Object.freeze(reason),
      code: seen.length,
      risk,
      widen,
    });
    seen.push(s);
    cache.push(part);
    this.#lastSignals[i] = s;
    this.#lastParts[i] = part;
    return part;
  }

  /** The stops source's volatility value (NaN where the stop rule would refuse it). */
  #stopVolatility(): number {
    const state = this.#stopsState;
    const getter = this.#stopGetter;
    if (getter !== undefined && this.#stopChecks >= STOP_GETTER_CHECKS) {
      return stopValue(getter.call(state));
    }
    const v = stopValue(state.values()[this.strategy.stopsSource.key]);
    if (getter !== undefined) {
      const g = stopValue(getter.call(state));
      if (g === v) {
        if (v === v) this.#stopChecks++;
      } else if (!(g !== g && v !== v)) this.#stopGetter = undefined;
    }
    return v;
  }

  #evaluate(candle: Candle): SignalRecord {
    const st = this.strategy;
    const indicators = this.#indicators;
    const states = this.#states;
    const params = this.#params;
    const n = indicators.length;
    const signals = this.#signals;
    const parts = this.#current;
    const riskFns = this.#riskFns;
    const riskSignals = this.#riskSignals;
    let risks = 0;
    let widen = false;
    for (let i = 0; i < n; i++) {
      let s: IndicatorSignal;
      try {
        s = indicators[i].evaluate(states[i], params[i]);
      } catch (e) {
        throw new PluginFailure(
          `${this.#where}: indicator "${st.indicators[i].id}" evaluate threw: ${
            (e as Error)?.message ?? e
          }`,
        );
      }
      const part = this.#lastSignals[i] === s ? this.#lastParts[i]! : this.#part(i, s); // validates s on first sight
      parts[i] = part;
      if (part.widen) widen = true;
      if (part.risk !== undefined) {
        riskFns[risks] = part.risk;
        riskSignals[risks++] = s;
      }
      signals[i] = s;
    }

    // Reasons gather in a reused buffer; the record gets an exact-size copy (one allocation).
    const reasonBuf = this.#reasonBuf;
    let m = 0;
    const cats = st.categories;
    const scores = this.#scores;
    const results: CategoryResult[] = []; // packed: filled in order below
    for (let k = 0; k < cats.length; k++) {
      const cat = cats[k];
      const members = cat.members;
      // Key of this combination of cached parts; -1 when any part is not cached.
      let key = 0;
      let raw = 0;
      for (let j = 0; j < members.length; j++) {
        const part = parts[members[j]];
        raw += part.score;
        key = key < 0 || part.code < 0 ? -1 : key * MAX_PARTS + part.code;
        if (part.reason !== null) reasonBuf[m++] = part.reason;
      }
      const cache = this.#categoryCache[k];
      let result: CategoryResult | undefined;
      // Hot slot of this key (the low bits mix the last two members' codes).
      const h = k * HOT_SLOTS + ((key ^ (key >>> 6)) & (HOT_SLOTS - 1));
      if (key >= 0) {
        if (key === this.#lastKeys[k]) result = this.#lastResults[k];
        else if (this.#hotKeys[h] === key) result = this.#hotResults[h];
        else {
          result = cache.get(key);
          if (result !== undefined) {
            this.#hotKeys[h] = key;
            this.#hotResults[h] = result;
          }
        }
      }
      if (result === undefined) {
        if (cat.combine !== undefined) {
          raw = cat.combine(members.map((m) => signals[m]));
          if (typeof raw !== "number" || !Number.isFinite(raw)) {
            throw new PluginFailure(`${this.#where}: category "${cat.id}" combine returned ${raw}`);
          }
        }
        result = {
          id: cat.id,
          score: clampScore(raw, cat.clamp),
          raw,
          clamp: [cat.clamp[0], cat.clamp[1]],
          weight: cat.weight,
          contributions: members.map((m) => parts[m].contribution),
        };
        if (key >= 0 && key <= Number.MAX_SAFE_INTEGER) {
          if (cache.size >= MAX_CATEGORY_RESULTS) {
            cache.clear();
            this.#hotKeys.fill(-1, k * HOT_SLOTS, (k + 1) * HOT_SLOTS);
            this.#hotResults.fill(undefined, k * HOT_SLOTS, (k + 1) * HOT_SLOTS);
          }
          Object.freeze(result.clamp);
          Object.freeze(result.contributions);
          cache.set(key, Object.freeze(result));
          this.#hotKeys[h] = key;
          this.#hotResults[h] = result;
        }
      }
      if (key >= 0 && key <= Number.MAX_SAFE_INTEGER) {
        this.#lastKeys[k] = key;
        this.#lastResults[k] = result;
      }
      scores[k] = result.score;
      results.push(result);
    }

    const total = totalScore(scores, this.#clamps, this.#weights, st.scoring);
    const bias = biasOf(total, st.thresholds);
    const direction = directionOf(bias);
    const conf = confidence(scores, st.confidence);
    let count = 0;
    for (let r = 0; r < risks; r++) {
      let v: number;
      try {
        v = riskFns[r](total);
      } catch (e) {
        throw new PluginFailure(`${this.#where}: ${(e as Error).message}`);
      }
      if (!Number.isFinite(v)) {
        throw new PluginFailure(
          `${this.#where}: risk(${total}) of a "${riskSignals[r].state}" signal returned ${v}`,
        );
      }
      count += v;
    }
    if (Math.abs(total) < st.risk.weakBelow) count += st.risk.weakAdd;
    const risk = riskLevel(count, st.risk);

    const price = candle.close;
    let slPct: number | null = null;
    let tpPct: number | null = null;
    let slPrice: number | null = null;
    let tpPrice: number | null = null;
    let widened = false;
    if (direction !== "Neutral") {
      const d = this.#stopDist;
      if (stopDistancesInto(d, this.#stopVolatility(), price, st.stops, widen)) {
        slPct = d.sl_pct;
        tpPct = d.tp_pct;
        widened = d.widened;
        const px = this.#stopPx;
        stopPricesInto(px, direction === "Long", price, d, this.#rule);
        slPrice = px.sl_price;
        tpPrice = px.tp_price;
      }
    }

    if (widened) reasonBuf[m++] = this.#widenReason;
    reasonBuf[m++] = riskReason(risk);
    const reasons = reasonBuf.slice(0, m);

    return {
      symbol: this.symbol,
      interval: this.interval,
      time: candle.time,
      price,
      direction,
      bias,
      score: total,
      categories: results,
      confidence: conf,
      risk,
      sl_pct: slPct,
      tp_pct: tpPct,
      sl_price: slPrice,
      tp_price: tpPrice,
      reasons,
      strategy: st.id,
      engine_version: ENGINE_VERSION,
    };
  }
}
