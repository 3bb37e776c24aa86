/**
 * ATR (14) exactly as TA-Lib, with a volatility regime. The engine takes its stop distances
 * from the `atr` value.
 *
 * Values: true range from the second bar on; the first ATR (bar `period`) is the mean of the
 * first `period` true ranges, then Wilder smoothing (the original seeded with one raw range,
 * §9.1.4). `ratio` = ATR / mean of the **previous** `regimeLookback` ATR values. The original
 * divided by a 14-bar mean that included the current value of an already smoothed series, so
 * "High" was rare and a constant ATR sat on the Normal/Elevated knife-edge at ratio 1.0 ± noise
 * (§9.1.11); the longer baseline without the current bar and an `elevated` threshold above 1
 * fix both. A flat history (baseline 0) gives ratio 1 while the ATR is 0 too.
 *
 * States (all score 0, category volatility; §2.5, §3.1): High (ratio > high; raises the risk
 * count by 2, §3.4), Elevated (> elevated), Normal, Low (≤ low); Neutral during warm-up and until
 * the baseline holds `regimeLookback` ATRs (`warmup` is the ATR's own, `period + 1`, so the
 * regime is judged from candle `period + regimeLookback + 1` on: 65 with the defaults).
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
import { AverageTrueRange } from "./_average_true_range.ts";
import { frozenSignal } from "./_frozen_signal.ts";
import { RollingMean } from "./_rolling_mean.ts";
import { nullIfNaN } from "./_warmup_values.ts";
import { candleRejection, usableCandle } from "./_candle_guard.ts";
import { batchRow, loadRow } from "./_batch_row.ts";

/** ATR parameters; thresholds must satisfy low < elevated < high. */
export const AtrParams = z.object({
  period: z.number().int().min(1).max(1000).default(14),
  /** Bars of previous ATR values the regime ratio is measured against. */
  regimeLookback: z.number().int().min(2).max(2000).default(50),
  high: z.number().positive().default(1.5),
  elevated: z.number().positive().default(1.1),
  low: z.number().positive().default(0.7),
}).refine((p) => p.low < p.elevated && p.elevated < p.high, {
  message: "regime thresholds must satisfy low < elevated < high",
  path: ["elevated"],
});

/** Parsed ATR parameters. */
export type AtrParams = z.infer<typeof AtrParams>;

/** Ratio reported when the baseline is 0 but the ATR is not (a move out of a flat history). */
const RATIO_FROM_FLAT = 1e9;

/** Streaming ATR state for one (symbol, interval). */
export class AtrState {
  /** Bars fed. */
  count = 0;
  /** ATR / baseline, NaN until the baseline exists. */
  ratio = NaN;
  #atr: AverageTrueRange;
  #baseline: RollingMean;
  #lastTime = -Infinity;

  /** The parameters this state was created with. */
  readonly params: AtrParams;

  // Not a parameter property: that would run every field initializer after an `undefined`
  // definition, so V8 would keep the numeric fields tagged (a heap number per store).
  constructor(params: AtrParams) {
    this.params = params;
    this.#atr = new AverageTrueRange(params.period);
    this.#baseline = new RollingMean(params.regimeLookback);
  }

  /** Current ATR, NaN during warm-up. Read by the engine for stop distances. */
  get atr(): number {
    return this.#atr.value;
  }

  /** Feeds one closed candle. */
  update(c: Candle): void {
    if (!usableCandle(c, this.#lastTime)) throw candleRejection(c, this.#lastTime, "atr");
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    this.#lastTime = c.time;
    this.count++;
    const atr = this.#atr.update(c.high, c.low, c.close);
    if (atr !== atr) return;
    const b = this.#baseline;
    if (b.full) {
      const base = b.value;
      this.ratio = base > 0 ? atr / base : atr > 0 ? RATIO_FROM_FLAT : 1;
    }
    b.push(atr);
  }

  /** `{ atr, ratio }`, null during warm-up. */
  values(): IndicatorValues {
    return { atr: nullIfNaN(this.#atr.value), ratio: nullIfNaN(this.ratio) };
  }
}

/**
 * The whole-series path: runs {@linkcode AtrState} itself (its trusted update, fed one reused
 * candle: the TA-Lib ATR core and the regime baseline) and copies ATR and ratio after every
 * row. Everything the state computes is an output, so nothing is skipped.
 */
export function atrColumns(cols: CandleColumns, p: AtrParams): ValueColumns {
  const n = cols.length;
  const atr = new Float64Array(n);
  const ratio = new Float64Array(n);
  const s = new AtrState(p);
  const row = batchRow();
  for (let i = 0; i < n; i++) {
    loadRow(row, cols, i);
    s.updateTrusted(row);
    atr[i] = s.atr;
    ratio[i] = s.ratio;
  }
  return { atr, ratio };
}

const HIGH = frozenSignal("High", 0, "High volatility - reduce size", { risk: () => 2 });
const ELEVATED = frozenSignal("Elevated", 0, "Elevated volatility");
const NORMAL = frozenSignal("Normal", 0);
const LOW = frozenSignal("Low", 0, "Low volatility - breakout potential");
const NEUTRAL = frozenSignal("Neutral", 0);

/** Classifies the volatility regime from the ratio. */
export function judgeAtr(s: AtrState, p: AtrParams): IndicatorSignal {
  const r = s.ratio;
  if (r !== r) return NEUTRAL;
  if (r > p.high) return HIGH;
  if (r > p.elevated) return ELEVATED;
  if (r > p.low) return NORMAL;
  return LOW;
}

/** The ATR plugin. */
export default defineIndicator({
  id: "atr",
  category: "volatility",
  description: "ATR (14), Wilder as TA-Lib; volatility regime against its own recent baseline",
  params: AtrParams,
  outputs: ["atr", "ratio"],
  states: ["High", "Elevated", "Normal", "Low", "Neutral"],
  warmup: (p: AtrParams) => p.period + 1,
  create: (p: AtrParams) => new AtrState(p),
  evaluate: (s: AtrState, p: AtrParams) => judgeAtr(s, p),
  batch: atrColumns,
});
