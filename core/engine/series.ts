/**
 * The streaming evaluator of one (symbol, interval, strategy): one indicator state per enabled
 * indicator, fed each closed candle once and in order; after warm-up every candle yields exactly
 * one signal record. Deterministic: the record depends only on the candles and the strategy.
 * @module
 */
import { type Candle, CandleError, candleProblem } from "../candle.ts";
import type { IndicatorSignal, IndicatorState } from "../indicator.ts";
import type { Interval } from "../interval.ts";
import { exactPriceRule, type PriceRule } from "../price_rule.ts";
import type { CategoryResult, Contribution, Reason, SignalRecord } from "../signal.ts";
import type { CompiledStrategy } from "./compiled.ts";
import { confidence } from "./confidence.ts";
import { riskCount, riskLevel } from "./risk.ts";
import { biasOf, clampScore, directionOf, totalScore } from "./score.ts";
import { stopDistances, stopPrices } from "./stops.ts";
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

/** Per-series options. */
export interface SignalSeriesOptions {
  /** Rounds SL/TP prices to the market's rules; default: no rounding. */
  priceRule?: PriceRule;
}

const RISK_REASONS: Record<string, Reason> = {
  Low: Object.freeze({ text: "Risk level: Low", weight: 0.5 }),
  Medium: Object.freeze({ text: "Risk level: Medium", weight: 0.5 }),
  High: Object.freeze({ text: "Risk level: High", weight: 0.5 }),
};

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
  readonly #lastSignal: (IndicatorSignal | undefined)[];
  readonly #lastContribution: (Contribution | undefined)[];
  readonly #lastReason: (Reason | null | undefined)[];
  readonly #lastCategory: (CategoryResult | undefined)[];
  /** Per category, the contributions of the candle being evaluated. */
  readonly #scratch: Contribution[][];
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
    this.#signals = new Array(n);
    this.#lastSignal = new Array(n).fill(undefined);
    this.#lastContribution = new Array(n).fill(undefined);
    this.#lastReason = new Array(n).fill(undefined);
    this.#lastCategory = new Array(strategy.categories.length).fill(undefined);
    this.#scratch = strategy.categories.map((c) => new Array(c.members.length));
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
      for (; i < states.length; i++) states[i].update(candle);
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
   * Contribution and reason of slot `i` for signal `s`. Plugins return shared frozen signals for
   * static states, so the last one is remembered per slot and its frozen contribution reused:
   * records then share immutable parts instead of allocating them per candle.
   */
  #contribution(i: number, s: IndicatorSignal): Contribution {
    if (s === this.#lastSignal[i]) return this.#lastContribution[i]!;
    const id = this.strategy.indicators[i].id;
    const c: Contribution = { id, state: s.state, score: s.score, reason: s.reason };
    if (Object.isFrozen(s)) {
      Object.freeze(c);
      this.#lastSignal[i] = s;
      this.#lastContribution[i] = c;
      this.#lastReason[i] = s.reason === "" ? null : Object.freeze({ text: s.reason, weight: 1 });
    } else {
      this.#lastSignal[i] = undefined;
    }
    return c;
  }

  #evaluate(candle: Candle): SignalRecord {
    const st = this.strategy;
    const inds = st.indicators;
    const n = inds.length;
    const signals = this.#signals;
    let widen = false;
    for (let i = 0; i < n; i++) {
      const ci = inds[i];
      let s: IndicatorSignal;
      try {
        s = ci.indicator.evaluate(this.#states[i], ci.params);
      } catch (e) {
        throw new PluginFailure(
          `${this.#where}: indicator "${ci.id}" evaluate threw: ${(e as Error)?.message ?? e}`,
        );
      }
      if (s !== this.#lastSignal[i]) { // a remembered signal was checked when first seen
        const bad = checkSignal(s, ci.id);
        if (bad !== undefined) throw new PluginFailure(`${this.#where}: ${bad}`);
      }
      if (s.widenStops === true) widen = true;
      signals[i] = s;
    }

    const reasons: Reason[] = [];
    const cats = st.categories;
    const scores = this.#scores;
    const results: CategoryResult[] = new Array(cats.length);
    for (let k = 0; k < cats.length; k++) {
      const cat = cats[k];
      const members = cat.members;
      const prev = this.#lastCategory[k];
      const scratch = this.#scratch[k];
      let same = prev !== undefined;
      let raw = 0;
      for (let j = 0; j < members.length; j++) {
        const m = members[j];
        const s = signals[m];
        raw += s.score;
        const c = this.#contribution(m, s);
        scratch[j] = c;
        if (same && prev!.contributions[j] !== c) same = false;
        const r = this.#lastSignal[m] === s ? this.#lastReason[m] : undefined;
        if (r === undefined) {
          if (s.reason !== "") reasons.push({ text: s.reason, weight: 1 });
        } else if (r !== null) reasons.push(r);
      }
      let result: CategoryResult;
      if (same) {
        result = prev!;
      } else {
        if (cat.combine !== undefined) {
          raw = cat.combine(members.map((m) => signals[m]));
          if (typeof raw !== "number" || !Number.isFinite(raw)) {
            throw new PluginFailure(`${this.#where}: category "${cat.id}" combine returned ${raw}`);
          }
        }
        const contributions = scratch.slice();
        result = {
          id: cat.id,
          score: clampScore(raw, cat.clamp),
          raw,
          clamp: [cat.clamp[0], cat.clamp[1]],
          weight: cat.weight,
          contributions,
        };
        // Only a result made entirely of shared (frozen) contributions can be reused.
        if (contributions.every((c) => Object.isFrozen(c))) {
          Object.freeze(result.clamp);
          Object.freeze(contributions);
          this.#lastCategory[k] = Object.freeze(result);
        } else {
          this.#lastCategory[k] = undefined;
        }
      }
      scores[k] = result.score;
      results[k] = result;
    }

    const total = totalScore(scores, this.#clamps, this.#weights, st.scoring);
    const bias = biasOf(total, st.thresholds);
    const direction = directionOf(bias);
    const conf = confidence(scores, st.confidence);
    let risk;
    try {
      risk = riskLevel(riskCount(signals, total, st.risk), st.risk);
    } catch (e) {
      throw new PluginFailure(`${this.#where}: ${(e as Error).message}`);
    }

    const price = candle.close;
    let slPct: number | null = null;
    let tpPct: number | null = null;
    let slPrice: number | null = null;
    let tpPrice: number | null = null;
    let widened = false;
    if (direction !== "Neutral") {
      const src = st.stopsSource;
      const vol = this.#states[src.indicator].values()[src.key];
      const d = stopDistances(vol, price, st.stops, widen);
      if (d !== undefined) {
        slPct = d.sl_pct;
        tpPct = d.tp_pct;
        widened = d.widened;
        const px = stopPrices(direction, price, d, this.#rule);
        slPrice = px.sl_price;
        tpPrice = px.tp_price;
      }
    }

    if (widened) reasons.push({ text: st.widenReason, weight: 0.4 });
    reasons.push(RISK_REASONS[risk]);

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
