/**
 * On-Balance Volume with swing divergences and a direction-aware confirmation.
 *
 * Values: OBV starts at the first bar's volume (as TA-Lib), then adds the volume on an up close,
 * subtracts it on a down close, keeps it on an unchanged close.
 *
 * States (perptrix-behaviour.md §2.8, scores §3.1), first match wins:
 * - BullishDivergence +2 / BearishDivergence −2: a swing divergence confirmed on this bar (price
 *   lower low while OBV makes a higher low, or the mirror; `_swing.ts`). The original compared
 *   one bar against a lagging average, so the first red candle of an uptrend was "bullish
 *   divergence" (§9.1.7).
 * - Confirmation: the close moved and the smoothed OBV (EMA with weight `smoothing` on the new
 *   value, as the original) moved the same way. It scores **+1 confirming an up move and −1
 *   confirming a down move**; the original scored +1 for both, so volume confirming a sell-off
 *   counted as bullish (§9.1.7).
 * - Neutral 0: otherwise, and on the first bar.
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
import { SwingDivergence } from "./_swing.ts";
import { nullIfNaN } from "./_warmup_values.ts";
import { candleRejection, usableCandle } from "./_candle_guard.ts";

/** OBV parameters. */
export const ObvParams = z.object({
  /** Weight of the new OBV value in the smoothed OBV used for confirmation. */
  smoothing: z.number().gt(0).max(1).default(0.1),
  /** Bars on each side of a swing pivot. */
  swingStrength: z.number().int().min(1).max(50).default(3),
  /** Maximum bars between the two pivots of a divergence. */
  divergenceLookback: z.number().int().min(2).max(1000).default(40),
});

/** Parsed OBV parameters. */
export type ObvParams = z.infer<typeof ObvParams>;

/** Streaming OBV state for one (symbol, interval). */
export class ObvState {
  /** Bars fed. */
  count = 0;
  /** On-balance volume, NaN before the first bar. */
  obv = NaN;
  /** Smoothed OBV and its change on the latest bar. */
  smoothed = NaN;
  /** See {@linkcode smoothed}. */
  smoothedChange = 0;
  /** close − previous close (0 on the first bar). */
  priceChange = 0;
  /** +1 bullish / −1 bearish divergence confirmed on the latest bar, else 0. */
  divergence = 0;
  #prevClose = NaN;
  #alpha: number;
  /** [−volume, −0, +volume]: the step for a down, unchanged and up close (see updateTrusted). */
  #step = new Float64Array([0, -0, 0]);
  #swing: SwingDivergence;
  #lastTime = -Infinity;

  /** The parameters this state was created with. */
  readonly params: ObvParams;

  // Not a parameter property: that would run every field initializer after an `undefined`
  // definition, so V8 would keep the numeric fields tagged (a heap number per store).
  constructor(params: ObvParams) {
    this.params = params;
    this.#alpha = params.smoothing;
    this.#swing = new SwingDivergence(params.swingStrength, params.divergenceLookback);
  }

  /** Feeds one closed candle. */
  update(c: Candle): void {
    if (!usableCandle(c, this.#lastTime)) throw candleRejection(c, this.#lastTime, "obv");
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    this.#lastTime = c.time;
    this.advance(c.close, c.volume);
    this.divergence = this.#swing.update(c.low, c.high, this.obv);
  }

  /**
   * The value step alone: one bar's close and volume into the OBV (and its smoothed copy).
   * {@linkcode updateTrusted} adds the swing-divergence check; the whole-series path (`batch`)
   * runs only this, since divergences serve `evaluate` alone.
   */
  advance(close: number, volume: number): void {
    if (this.count++ === 0) {
      this.obv = volume;
      this.smoothed = this.obv;
    } else {
      const pc = this.#prevClose;
      // The close's direction picks the step by index, not by branch (up or down is a coin flip
      // the CPU would mispredict). Adding −v is exactly subtracting v, and adding −0 leaves
      // every value, −0 included, unchanged, so this is the plain if/else bit for bit.
      const step = this.#step;
      step[0] = -volume;
      step[2] = volume;
      this.obv += step[1 + +(close > pc) - +(close < pc)];
      this.priceChange = close - pc;
      const next = this.smoothed + this.#alpha * (this.obv - this.smoothed);
      this.smoothedChange = next - this.smoothed;
      this.smoothed = next;
    }
    this.#prevClose = close;
  }

  /** `{ obv }`, null before the first bar. */
  values(): IndicatorValues {
    return { obv: nullIfNaN(this.obv) };
  }
}

/**
 * The whole-series path: {@linkcode ObvState.advance} (the state's own OBV step) over closes and
 * volumes, skipping only the swing-divergence tracking that `evaluate` needs.
 */
export function obvColumns(cols: CandleColumns, p: ObvParams): ValueColumns {
  const n = cols.length;
  const close = cols.close;
  const volume = cols.volume;
  const obv = new Float64Array(n);
  const s = new ObvState(p);
  for (let i = 0; i < n; i++) {
    s.advance(close[i], volume[i]);
    obv[i] = s.obv;
  }
  return { obv };
}

const BULLISH_DIVERGENCE = frozenSignal("BullishDivergence", 2, "OBV bullish divergence");
const BEARISH_DIVERGENCE = frozenSignal("BearishDivergence", -2, "OBV bearish divergence");
const CONFIRMS_UP = frozenSignal("Confirmation", 1, "Volume confirms price action");
const CONFIRMS_DOWN = frozenSignal("Confirmation", -1, "Volume confirms price action");
const NEUTRAL = frozenSignal("Neutral", 0);

/** Judges an OBV state, first match wins (see the module doc). */
export function judgeObv(s: ObvState): IndicatorSignal {
  if (s.divergence === 1) return BULLISH_DIVERGENCE;
  if (s.divergence === -1) return BEARISH_DIVERGENCE;
  const pc = s.priceChange;
  const oc = s.smoothedChange;
  if (pc > 0 && oc > 0) return CONFIRMS_UP;
  if (pc < 0 && oc < 0) return CONFIRMS_DOWN;
  return NEUTRAL;
}

/** The OBV plugin. */
export default defineIndicator({
  id: "obv",
  category: "volume",
  description:
    "On-Balance Volume (TA-Lib start); swing divergences and direction-aware confirmation",
  params: ObvParams,
  outputs: ["obv"],
  states: ["BullishDivergence", "BearishDivergence", "Confirmation", "Neutral"],
  warmup: () => 1,
  create: (p: ObvParams) => new ObvState(p),
  evaluate: (s: ObvState) => judgeObv(s),
  batch: obvColumns,
});
