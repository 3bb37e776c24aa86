/**
 * RSI (14) with Wilder smoothing exactly as TA-Lib, plus real swing divergences.
 *
 * Values: change d = close − previous close; the first average gain/loss (bar `period`) is the
 * plain mean of the first `period` gains/losses, then avg = (avg·(period−1) + x)/period.
 * RSI = 100·avgGain/(avgGain + avgLoss), and **0** when avgGain + avgLoss < 1e-14 (TA-Lib's
 * value for a flat series), so a flat market gives a defined value, not NaN.
 *
 * States (perptrix-behaviour.md §2.3, scores §3.1), first match wins:
 * - BullishDivergence +2 / BearishDivergence −2: a swing divergence confirmed on this bar (price
 *   lower low with RSI higher low, or the mirror; see `_swing.ts`). The original compared one
 *   bar against an already-overwritten value, so it never fired (§9.1.2). Divergences lower the
 *   risk count by one (§3.4): `risk: () => -1`.
 * - Neutral 0 when the market is flat (no gains and no losses in the average): RSI 0 there is a
 *   definition, not an oversold market (the original read a flat market as Overbought, §9.1.3).
 * - Oversold +1 below `oversold`, Overbought −1 above `overbought` (configurable, §9.1.12).
 * - Neutral 0 otherwise and during warm-up.
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
import { nullIfNaN } from "./_warmup_values.ts";
import { SwingDivergence } from "./_swing.ts";
import { candleRejection, usableCandle } from "./_candle_guard.ts";

/** RSI parameters; `oversold` must be below `overbought`. */
export const RsiParams = z.object({
  period: z.number().int().min(2).max(1000).default(14),
  oversold: z.number().min(0).max(100).default(30),
  overbought: z.number().min(0).max(100).default(70),
  /** Bars on each side of a swing pivot. */
  swingStrength: z.number().int().min(1).max(50).default(3),
  /** Maximum bars between the two pivots of a divergence. */
  divergenceLookback: z.number().int().min(2).max(1000).default(40),
}).refine((p) => p.oversold < p.overbought, {
  message: "oversold must be below overbought",
  path: ["oversold"],
});

/** Parsed RSI parameters. */
export type RsiParams = z.infer<typeof RsiParams>;

/** TA-Lib's "is zero" bound for avgGain + avgLoss. */
const FLAT = 1e-14;

/** Streaming RSI state for one (symbol, interval). */
export class RsiState {
  /** Bars fed. */
  count = 0;
  /** Current RSI, NaN during warm-up. */
  rsi = NaN;
  /** Average gain and loss (NaN during warm-up). */
  avgGain = NaN;
  /** See {@linkcode avgGain}. */
  avgLoss = NaN;
  /** +1 bullish / −1 bearish divergence confirmed on the latest bar, else 0. */
  divergence = 0;
  #period: number;
  #prevClose = NaN;
  #sumGain = 0;
  #sumLoss = 0;
  #swing: SwingDivergence;
  #lastTime = -Infinity;

  /** The parameters this state was created with. */
  readonly params: RsiParams;

  // Not a parameter property: that would run every field initializer after an `undefined`
  // definition, so V8 would keep the numeric fields tagged (a heap number per store).
  constructor(params: RsiParams) {
    this.params = params;
    this.#period = params.period;
    this.#swing = new SwingDivergence(params.swingStrength, params.divergenceLookback);
  }

  /** True when the averages say there was no movement at all. */
  get flat(): boolean {
    return this.avgGain + this.avgLoss < FLAT;
  }

  /** Feeds one closed candle. */
  update(c: Candle): void {
    if (!usableCandle(c, this.#lastTime)) throw candleRejection(c, this.#lastTime, "rsi");
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    this.#lastTime = c.time;
    if (this.advance(c.close)) this.divergence = this.#swing.update(c.low, c.high, this.rsi);
  }

  /**
   * The value step alone: one close into the averages and the RSI, true once the RSI is defined.
   * {@linkcode updateTrusted} adds the swing-divergence check; the whole-series path (`batch`)
   * runs only this, since divergences serve `evaluate` alone.
   */
  advance(x: number): boolean {
    const n = this.count++;
    const pc = this.#prevClose;
    this.#prevClose = x;
    if (n === 0) return false;
    const d = x - pc;
    const p = this.#period;
    if (n > p) {
      // Branch-free split of the change (an up or a down close is a coin flip the CPU would
      // mispredict): d + |d| is exactly 2d or +0, so gain is exactly max(d, 0) and gain − d
      // exactly max(−d, 0). Only d ≥ 2^1023 overflows the sum; it takes d itself.
      let gain = (d + Math.abs(d)) * 0.5;
      if (gain === Infinity) gain = d;
      const loss = gain - d;
      this.avgGain = (this.avgGain * (p - 1) + gain) / p;
      this.avgLoss = (this.avgLoss * (p - 1) + loss) / p;
    } else {
      if (d < 0) this.#sumLoss -= d;
      else this.#sumGain += d;
      if (n < p) return false;
      this.avgGain = this.#sumGain / p;
      this.avgLoss = this.#sumLoss / p;
    }
    const total = this.avgGain + this.avgLoss;
    this.rsi = total < FLAT ? 0 : 100 * (this.avgGain / total);
    return true;
  }

  /** `{ rsi }`, null during warm-up. */
  values(): IndicatorValues {
    return { rsi: nullIfNaN(this.rsi) };
  }
}

/**
 * The whole-series path: {@linkcode RsiState.advance} (the state's own Wilder averages and RSI
 * formula) over the closes, skipping only the swing-divergence tracking that `evaluate` needs.
 */
export function rsiColumns(cols: CandleColumns, p: RsiParams): ValueColumns {
  const n = cols.length;
  const close = cols.close;
  const rsi = new Float64Array(n);
  const s = new RsiState(p);
  for (let i = 0; i < n; i++) {
    s.advance(close[i]);
    rsi[i] = s.rsi;
  }
  return { rsi };
}

const lowerRisk = () => -1;
const BULLISH_DIVERGENCE = frozenSignal("BullishDivergence", 2, "RSI bullish divergence", {
  risk: lowerRisk,
});
const BEARISH_DIVERGENCE = frozenSignal("BearishDivergence", -2, "RSI bearish divergence", {
  risk: lowerRisk,
});
const OVERSOLD = frozenSignal("Oversold", 1, "RSI oversold");
const OVERBOUGHT = frozenSignal("Overbought", -1, "RSI overbought");
const NEUTRAL = frozenSignal("Neutral", 0);

/** Judges an RSI state, first match wins (see the module doc). */
export function judgeRsi(s: RsiState, p: RsiParams): IndicatorSignal {
  const rsi = s.rsi;
  if (rsi !== rsi) return NEUTRAL;
  if (s.divergence === 1) return BULLISH_DIVERGENCE;
  if (s.divergence === -1) return BEARISH_DIVERGENCE;
  if (s.flat) return NEUTRAL;
  if (rsi < p.oversold) return OVERSOLD;
  if (rsi > p.overbought) return OVERBOUGHT;
  return NEUTRAL;
}

/** The RSI plugin. */
export default defineIndicator({
  id: "rsi",
  category: "momentum",
  description: "RSI (14), Wilder as TA-Lib; oversold/overbought and swing divergences",
  params: RsiParams,
  outputs: ["rsi"],
  states: ["BullishDivergence", "BearishDivergence", "Oversold", "Overbought", "Neutral"],
  warmup: (p: RsiParams) => p.period + 1,
  create: (p: RsiParams) => new RsiState(p),
  evaluate: (s: RsiState, p: RsiParams) => judgeRsi(s, p),
  batch: rsiColumns,
});
