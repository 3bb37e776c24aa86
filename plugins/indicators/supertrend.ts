/**
 * SuperTrend (10, 3.0), the standard definition on TA-Lib's ATR (true range from the second bar,
 * Wilder smoothing seeded with the mean of the first `period` ranges; first value at bar
 * `period`).
 *
 * hl2 = (high + low)/2, basic bands = hl2 ± multiplier·ATR. Final bands carry with the
 * **previous** close: finalUpper = basicUpper if basicUpper < prevFinalUpper or
 * prevClose > prevFinalUpper, else prevFinalUpper (the lower band mirrors it). The trend turns
 * down when the close falls below the final lower band and up when it rises above the final
 * upper band (strict). The first bar is up only when its close is above the basic upper band.
 * The line is the final lower band in an uptrend, the final upper band in a downtrend. The
 * original carried the bands with the current close, so it practically never flipped (§9.1.1).
 *
 * States (scores §3.1): BullishFlip +2, BearishFlip −2 (direction changed on this bar), Bullish
 * +1, Bearish −1; Neutral 0 during warm-up and while the ATR is exactly 0 (a market that has not
 * moved since the start has no trend, although the definition calls it "down").
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
import { nullIfNaN } from "./_warmup_values.ts";
import { candleRejection, usableCandle } from "./_candle_guard.ts";
import { batchRow, loadRow } from "./_batch_row.ts";

/** SuperTrend parameters. */
export const SuperTrendParams = z.object({
  period: z.number().int().min(1).max(1000).default(10),
  multiplier: z.number().positive().max(100).default(3),
});

/** Parsed SuperTrend parameters. */
export type SuperTrendParams = z.infer<typeof SuperTrendParams>;

/** Streaming SuperTrend state for one (symbol, interval). */
export class SuperTrendState {
  /** Bars fed. */
  count = 0;
  /** 1 up, −1 down, 0 during warm-up. */
  direction = 0;
  /** Direction on the previous bar (0 when it had none). */
  prevDirection = 0;
  /** Final upper and lower bands, NaN during warm-up. */
  upper = NaN;
  /** See {@linkcode upper}. */
  lower = NaN;
  #atr: AverageTrueRange;
  #multiplier: number;
  #prevClose = NaN;
  #lastTime = -Infinity;

  /** The parameters this state was created with. */
  readonly params: SuperTrendParams;

  // Not a parameter property: that would run every field initializer after an `undefined`
  // definition, so V8 would keep the numeric fields tagged (a heap number per store).
  constructor(params: SuperTrendParams) {
    this.params = params;
    this.#atr = new AverageTrueRange(params.period);
    this.#multiplier = params.multiplier;
  }

  /** The ATR under the bands, NaN during warm-up. */
  get atr(): number {
    return this.#atr.value;
  }

  /** The SuperTrend line, NaN during warm-up. */
  get value(): number {
    return this.direction === 1 ? this.lower : this.direction === -1 ? this.upper : NaN;
  }

  /** Feeds one closed candle. */
  update(c: Candle): void {
    if (!usableCandle(c, this.#lastTime)) throw candleRejection(c, this.#lastTime, "supertrend");
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    this.#lastTime = c.time;
    this.count++;
    const close = c.close;
    const prevClose = this.#prevClose;
    this.#prevClose = close;
    this.prevDirection = this.direction;
    const atr = this.#atr.update(c.high, c.low, close);
    if (atr !== atr) return;
    const hl2 = (c.high + c.low) / 2;
    const basicUpper = hl2 + this.#multiplier * atr;
    const basicLower = hl2 - this.#multiplier * atr;
    if (this.direction === 0) {
      this.upper = basicUpper;
      this.lower = basicLower;
      this.direction = close > basicUpper ? 1 : -1;
      return;
    }
    if (basicUpper < this.upper || prevClose > this.upper) this.upper = basicUpper;
    if (basicLower > this.lower || prevClose < this.lower) this.lower = basicLower;
    if (this.direction === 1) {
      if (close < this.lower) this.direction = -1;
    } else if (close > this.upper) {
      this.direction = 1;
    }
  }

  /** `{ value, direction, upper, lower }`, null during warm-up. */
  values(): IndicatorValues {
    const warm = this.direction === 0;
    return {
      value: nullIfNaN(this.value),
      direction: warm ? null : this.direction,
      upper: nullIfNaN(this.upper),
      lower: nullIfNaN(this.lower),
    };
  }
}

/**
 * The whole-series path: runs {@linkcode SuperTrendState} itself (its trusted update, fed one
 * reused candle: the TA-Lib ATR core and the band carry) and copies line, direction (NaN during
 * warm-up, as `values()` gives null) and bands after every row. The only evaluate-only work is
 * remembering the previous direction (one store), so nothing is worth skipping.
 */
export function superTrendColumns(cols: CandleColumns, p: SuperTrendParams): ValueColumns {
  const n = cols.length;
  const value = new Float64Array(n);
  const direction = new Float64Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const s = new SuperTrendState(p);
  const row = batchRow();
  for (let i = 0; i < n; i++) {
    loadRow(row, cols, i);
    s.updateTrusted(row);
    const d = s.direction;
    value[i] = s.value;
    direction[i] = d === 0 ? NaN : d;
    upper[i] = s.upper;
    lower[i] = s.lower;
  }
  return { value, direction, upper, lower };
}

const BULLISH_FLIP = frozenSignal("BullishFlip", 2, "SuperTrend flip bullish");
const BEARISH_FLIP = frozenSignal("BearishFlip", -2, "SuperTrend flip bearish");
const BULLISH = frozenSignal("Bullish", 1);
const BEARISH = frozenSignal("Bearish", -1);
const NEUTRAL = frozenSignal("Neutral", 0);

/** Judges a SuperTrend state: a flip on the bar the direction changed, else the direction. */
export function judgeSuperTrend(s: SuperTrendState): IndicatorSignal {
  const d = s.direction;
  if (d === 0 || s.atr === 0) return NEUTRAL; // warm-up, or a market that never moved
  const prev = s.prevDirection;
  if (d === 1) return prev === -1 ? BULLISH_FLIP : BULLISH;
  return prev === 1 ? BEARISH_FLIP : BEARISH;
}

/** The SuperTrend plugin. */
export default defineIndicator({
  id: "supertrend",
  category: "trend",
  description: "SuperTrend (10, 3.0), standard band carry on TA-Lib ATR; flips and direction",
  params: SuperTrendParams,
  outputs: ["value", "direction", "upper", "lower"],
  states: ["BullishFlip", "BearishFlip", "Bullish", "Bearish", "Neutral"],
  warmup: (p: SuperTrendParams) => p.period + 1,
  create: (p: SuperTrendParams) => new SuperTrendState(p),
  evaluate: (s: SuperTrendState) => judgeSuperTrend(s),
  batch: superTrendColumns,
});
