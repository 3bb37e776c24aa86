/**
 * Bollinger Bands (20 SMA, 2σ) with a squeeze judged against the band width's own history.
 *
 * Values: middle = mean of the last `period` closes, σ = **population** standard deviation of
 * the same closes, forced to 0 when the variance is below 1e-14 (as TA-Lib), bands =
 * middle ± stdDev·σ, width = (upper − lower)/middle. The variance comes from a numerically careful
 * sliding window (`_rolling_moments.ts`), so it matches an exact two-pass σ; TA-Lib's running sums
 * differ from that by up to ~1e-7 relative on 1m BTC, which is the agreed tolerance.
 *
 * States (perptrix-behaviour.md §2.7, scores §3.1), first match wins:
 * - UpperBreakout +1 (close > upper), LowerBreakout −1 (close < lower). Checked before the squeeze:
 *   a close through a band out of a squeeze is the breakout the squeeze announced (the original
 *   checked the squeeze first and so hid breakouts, §9.1.6).
 * - Squeeze 0: the width's mid-rank among its own last `squeezeLookback` values (current one
 *   included) is below `squeezePercentile` (lowest 20 % of 120 bars by default; ties count half,
 *   so a width that never changes is no squeeze), instead of the original fixed width < 5 %, which nearly
 *   all intraday crypto bars satisfied (§9.1.6). Needs `squeezeLookback` widths.
 * - MeanReversion 0: width shrinking and |close − middle| < 0.5σ.
 * - WalkingBands 0: close within 0.2σ of a band (σ > 0: a flat market walks no band).
 * - Neutral 0: otherwise and during warm-up.
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
import { frozenSignal } from "./_frozen_signal.ts";
import { RollingMoments } from "./_rolling_moments.ts";
import { RollingRank } from "./_rolling_rank.ts";
import { nullIfNaN } from "./_warmup_values.ts";
import { candleRejection, usableCandle } from "./_candle_guard.ts";

/** Bollinger parameters. */
export const BollingerParams = z.object({
  period: z.number().int().min(2).max(1000).default(20),
  stdDev: z.number().positive().max(10).default(2),
  /** Width history the squeeze is judged against, in bars. */
  squeezeLookback: z.number().int().min(10).max(2000).default(120),
  /** Squeeze when the width ranks in this lowest fraction of that history. */
  squeezePercentile: z.number().gt(0).lt(1).default(0.2),
});

/** Parsed Bollinger parameters. */
export type BollingerParams = z.infer<typeof BollingerParams>;

/**
 * TA-Lib's "zero or negative" bound for the variance. It is absolute, made for prices of 1 and
 * more; below a price of 1 it scales with the squared mean, or a sub-cent coin's real σ (1e-7 at a
 * price of 1e-4) would be forced to 0 and every close read as a breakout. For prices ≥ 1 the values
 * are TA-Lib's exactly.
 */
const ZERO_VARIANCE = 1e-14;

/** Streaming Bollinger state for one (symbol, interval). */
export class BollingerState {
  /** Bars fed. */
  count = 0;
  /** Latest close. */
  close = NaN;
  /** Middle band, σ, bands and width: NaN during warm-up. */
  middle = NaN;
  /** Population standard deviation of the window. */
  sigma = NaN;
  /** See {@linkcode middle}. */
  upper = NaN;
  /** See {@linkcode middle}. */
  lower = NaN;
  /** (upper − lower)/middle. */
  width = NaN;
  /** Width of the previous bar, NaN when it had none. */
  prevWidth = NaN;
  /** Mid-rank of the current width in its own recent history, in [0, 1] (NaN during warm-up). */
  widthPercentile = NaN;
  #moments: RollingMoments;
  #widths: RollingRank;
  #lastTime = -Infinity;

  /** The parameters this state was created with. */
  readonly params: BollingerParams;

  // Not a parameter property: that would run every field initializer after an `undefined`
  // definition, so V8 would keep the numeric fields tagged (a heap number per store).
  constructor(params: BollingerParams) {
    this.params = params;
    this.#moments = new RollingMoments(params.period);
    this.#widths = new RollingRank(params.squeezeLookback);
  }

  /** True once the width history is long enough to judge a squeeze. */
  get squeezeReady(): boolean {
    return this.#widths.full;
  }

  /** Feeds one closed candle. */
  update(c: Candle): void {
    if (!usableCandle(c, this.#lastTime)) throw candleRejection(c, this.#lastTime, "bollinger");
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    this.#lastTime = c.time;
    if (this.advance(c.close)) this.widthPercentile = this.#widths.push(this.width);
  }

  /**
   * The value step alone: one close into the window and the bands, true once they are defined.
   * {@linkcode updateTrusted} adds the width's rank for the squeeze; the whole-series path
   * (`batch`) runs only this, since the rank serves `evaluate` alone.
   */
  advance(x: number): boolean {
    this.count++;
    this.close = x;
    this.prevWidth = this.width;
    const m = this.#moments;
    m.push(x);
    if (!m.full) return false;
    const mean = m.mean;
    const variance = m.variance;
    const zero = mean < 1 ? ZERO_VARIANCE * mean * mean : ZERO_VARIANCE;
    const sigma = variance < zero ? 0 : Math.sqrt(variance);
    const band = this.params.stdDev * sigma;
    this.middle = mean;
    this.sigma = sigma;
    this.upper = mean + band;
    this.lower = mean - band;
    this.width = mean > 0 ? (this.upper - this.lower) / mean : 0;
    return true;
  }

  /** `{ upper, middle, lower, width }`, null during warm-up. */
  values(): IndicatorValues {
    return {
      upper: nullIfNaN(this.upper),
      middle: nullIfNaN(this.middle),
      lower: nullIfNaN(this.lower),
      width: nullIfNaN(this.width),
    };
  }
}

/**
 * The whole-series path: {@linkcode BollingerState.advance} (the state's own rolling moments and
 * band formula) over the closes, skipping only the width ranking the squeeze (`evaluate`) needs.
 */
export function bollingerColumns(cols: CandleColumns, p: BollingerParams): ValueColumns {
  const n = cols.length;
  const close = cols.close;
  const upper = new Float64Array(n);
  const middle = new Float64Array(n);
  const lower = new Float64Array(n);
  const width = new Float64Array(n);
  const s = new BollingerState(p);
  for (let i = 0; i < n; i++) {
    s.advance(close[i]);
    upper[i] = s.upper;
    middle[i] = s.middle;
    lower[i] = s.lower;
    width[i] = s.width;
  }
  return { upper, middle, lower, width };
}

const UPPER_BREAKOUT = frozenSignal("UpperBreakout", 1, "Price broke above Bollinger upper");
const LOWER_BREAKOUT = frozenSignal("LowerBreakout", -1, "Price broke below Bollinger lower");
const SQUEEZE = frozenSignal("Squeeze", 0, "Bollinger Squeeze - breakout setup");
const MEAN_REVERSION = frozenSignal("MeanReversion", 0, "Bollinger mean reversion");
const WALKING_BANDS = frozenSignal("WalkingBands", 0, "Walking the bands - strong trend");
const NEUTRAL = frozenSignal("Neutral", 0);

/** Judges a Bollinger state, first match wins (see the module doc). */
export function judgeBollinger(s: BollingerState, p: BollingerParams): IndicatorSignal {
  const { close, upper, lower, middle, sigma, width } = s;
  if (width !== width) return NEUTRAL;
  if (close > upper) return UPPER_BREAKOUT;
  if (close < lower) return LOWER_BREAKOUT;
  if (s.squeezeReady && s.widthPercentile < p.squeezePercentile) return SQUEEZE;
  const dev = close > middle ? close - middle : middle - close;
  if (width < s.prevWidth && dev < 0.5 * sigma) return MEAN_REVERSION;
  if (sigma > 0 && s.prevWidth === s.prevWidth) {
    if (close >= upper - 0.2 * sigma || close <= lower + 0.2 * sigma) return WALKING_BANDS;
  }
  return NEUTRAL;
}

/** The Bollinger plugin. */
export default defineIndicator({
  id: "bollinger",
  category: "volatility",
  description: "Bollinger Bands (20, 2σ population); breakouts and a squeeze relative to history",
  params: BollingerParams,
  outputs: ["upper", "middle", "lower", "width"],
  states: ["UpperBreakout", "LowerBreakout", "Squeeze", "MeanReversion", "WalkingBands", "Neutral"],
  warmup: (p: BollingerParams) => p.period,
  create: (p: BollingerParams) => new BollingerState(p),
  evaluate: (s: BollingerState, p: BollingerParams) => judgeBollinger(s, p),
  batch: bollingerColumns,
});
