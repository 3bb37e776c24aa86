/**
 * EMA crossover (20/50) on closes, both EMAs seeded with the SMA of their first `period` closes
 * as TA-Lib does (first values at bars 19 and 49). The original seeded with the first price and
 * reported a meaningless cross on bar 2 (§2.4, §9.1.5); here nothing is judged until both EMAs
 * and their previous values exist.
 *
 * States (perptrix-behaviour.md §2.4, scores §3.1), first match wins: BullishCross +2 (fast
 * crosses above slow), BearishCross −2, StrongUptrend +1 (close > fast > slow and fast rising),
 * StrongDowntrend −1 (the mirror), Neutral 0 (also during warm-up).
 * @module
 */
import {
  type Candle,
  type CandleColumns,
  defineIndicator,
  type IndicatorSignal,
  type IndicatorValues,
  type ValueColumns,
  z,
} from "perptrix";
import { SmaSeededEma } from "./_ema.ts";
import { frozenSignal } from "./_frozen_signal.ts";
import { nullIfNaN } from "./_warmup_values.ts";
import { candleRejection, usableCandle } from "./_candle_guard.ts";

/** EMA-cross parameters; `fast` must be shorter than `slow`. */
export const EmaCrossParams = z.object({
  fast: z.number().int().min(1).max(1000).default(20),
  slow: z.number().int().min(2).max(1000).default(50),
}).refine((p) => p.fast < p.slow, { message: "fast must be shorter than slow", path: ["fast"] });

/** Parsed EMA-cross parameters. */
export type EmaCrossParams = z.infer<typeof EmaCrossParams>;

/** Streaming EMA-cross state for one (symbol, interval). */
export class EmaCrossState {
  /** Bars fed. */
  count = 0;
  /** Latest close. */
  close = NaN;
  /** Previous bar's fast and slow EMA (NaN while undefined). */
  prevFast = NaN;
  /** See {@linkcode prevFast}. */
  prevSlow = NaN;
  #fast: SmaSeededEma;
  #slow: SmaSeededEma;
  #lastTime = -Infinity;

  /** The parameters this state was created with. */
  readonly params: EmaCrossParams;

  // Not a parameter property: that would run every field initializer after an `undefined`
  // definition, so V8 would keep the numeric fields tagged (a heap number per store).
  constructor(params: EmaCrossParams) {
    this.params = params;
    this.#fast = new SmaSeededEma(params.fast);
    this.#slow = new SmaSeededEma(params.slow);
  }

  /** Fast EMA, NaN during its warm-up. */
  get fast(): number {
    return this.#fast.value;
  }

  /** Slow EMA, NaN during its warm-up. */
  get slow(): number {
    return this.#slow.value;
  }

  /** Feeds one closed candle. */
  update(c: Candle): void {
    if (!usableCandle(c, this.#lastTime)) throw candleRejection(c, this.#lastTime, "ema_cross");
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    this.#lastTime = c.time;
    this.count++;
    this.prevFast = this.#fast.value;
    this.prevSlow = this.#slow.value;
    this.close = c.close;
    this.#fast.update(c.close);
    this.#slow.update(c.close);
  }

  /** `{ fast, slow }`, each null during its own warm-up. */
  values(): IndicatorValues {
    return { fast: nullIfNaN(this.#fast.value), slow: nullIfNaN(this.#slow.value) };
  }
}

/**
 * The whole-series path: the two {@linkcode SmaSeededEma} cores the streaming state wraps, run
 * straight over the closes. It skips only the state's evaluate-only bookkeeping (latest close,
 * previous EMAs).
 */
export function emaCrossColumns(cols: CandleColumns, p: EmaCrossParams): ValueColumns {
  const n = cols.length;
  const close = cols.close;
  const fast = new Float64Array(n);
  const slow = new Float64Array(n);
  const f = new SmaSeededEma(p.fast);
  const s = new SmaSeededEma(p.slow);
  for (let i = 0; i < n; i++) {
    const x = close[i];
    fast[i] = f.update(x);
    slow[i] = s.update(x);
  }
  return { fast, slow };
}

interface CrossSignals {
  bullishCross: IndicatorSignal;
  bearishCross: IndicatorSignal;
}

const crossSignals = new Map<string, CrossSignals>();

/** Cross signals name the periods ("Golden Cross EMA20/50"); built once per period pair. */
function crossSignalsFor(p: EmaCrossParams): CrossSignals {
  const key = `${p.fast}/${p.slow}`;
  let s = crossSignals.get(key);
  if (s === undefined) {
    s = {
      bullishCross: frozenSignal("BullishCross", 2, `Golden Cross EMA${key}`),
      bearishCross: frozenSignal("BearishCross", -2, `Death Cross EMA${key}`),
    };
    crossSignals.set(key, s);
  }
  return s;
}

const STRONG_UPTREND = frozenSignal("StrongUptrend", 1, "Strong uptrend structure");
const STRONG_DOWNTREND = frozenSignal("StrongDowntrend", -1, "Strong downtrend structure");
const NEUTRAL = frozenSignal("Neutral", 0);

/** Judges an EMA-cross state by the §2.4 rules, first match wins. */
export function judgeEmaCross(s: EmaCrossState): IndicatorSignal {
  const { prevFast, prevSlow, close } = s;
  if (prevSlow !== prevSlow) return NEUTRAL; // the slow EMA had no previous value yet
  const fast = s.fast;
  const slow = s.slow;
  if (prevFast <= prevSlow && fast > slow) return crossSignalsFor(s.params).bullishCross;
  if (prevFast >= prevSlow && fast < slow) return crossSignalsFor(s.params).bearishCross;
  if (close > fast && fast > slow && fast > prevFast) return STRONG_UPTREND;
  if (close < fast && fast < slow && fast < prevFast) return STRONG_DOWNTREND;
  return NEUTRAL;
}

/** The EMA-cross plugin. */
export default defineIndicator({
  id: "ema_cross",
  category: "trend",
  description: "EMA 20/50 crossover (SMA-seeded as TA-Lib); golden/death cross and trend structure",
  params: EmaCrossParams,
  outputs: ["fast", "slow"],
  states: ["BullishCross", "BearishCross", "StrongUptrend", "StrongDowntrend", "Neutral"],
  warmup: (p: EmaCrossParams) => p.slow,
  create: (p: EmaCrossParams) => new EmaCrossState(p),
  evaluate: (s: EmaCrossState) => judgeEmaCross(s),
  batch: emaCrossColumns,
});
