/**
 * Swing (pivot) divergence between price and an indicator, for RSI, OBV or any other oscillator.
 *
 * A swing low is a bar whose low is strictly below the lows of the `strength` bars before it and
 * not above the lows of the `strength` bars after it (so a flat bottom yields one pivot, and a
 * flat market none); a swing high mirrors it on the highs. A pivot is known only `strength` bars
 * later, when the bars after it exist, so a divergence is reported on the bar that confirms it:
 *
 * - bullish: the new swing low is lower than the previous swing low, while the indicator's value
 *   at the new pivot bar is higher than at the previous one (price lower low, indicator higher
 *   low);
 * - bearish: the new swing high is higher than the previous swing high, while the indicator is
 *   lower (price higher high, indicator lower high).
 *
 * The two pivots must be at most `lookback` bars apart; older pivots are forgotten. Bars whose
 * indicator value is NaN (its warm-up) never become pivots. State is three rings of
 * `2 * strength + 1` numbers and two remembered pivots: O(strength) per bar, independent of
 * history, no allocation after construction.
 * @module
 */

/** Result of {@linkcode SwingDivergence.update}: +1 bullish, −1 bearish, 0 none. */
export type DivergenceCode = -1 | 0 | 1;

/** Streaming swing-divergence detector. */
export class SwingDivergence {
  /** Bars on each side a pivot must dominate. */
  readonly strength: number;
  /** Maximum distance in bars between the two pivots compared. */
  readonly lookback: number;
  /** Result of the latest update. */
  code: DivergenceCode = 0;
  #lows: Float64Array;
  #highs: Float64Array;
  #ind: Float64Array;
  #span: number;
  #bar = 0; // bars fed so far
  #slot = 0; // ring slot of the next bar
  #lowBar = -1; // bar index of the last swing low, -1 when none
  #lowPrice = NaN;
  #lowInd = NaN;
  #highBar = -1;
  #highPrice = NaN;
  #highInd = NaN;

  constructor(strength: number, lookback: number) {
    if (!Number.isInteger(strength) || strength < 1) {
      throw new RangeError(`swing strength must be a positive integer, got ${strength}`);
    }
    if (!Number.isInteger(lookback) || lookback < 1) {
      throw new RangeError(`divergence lookback must be a positive integer, got ${lookback}`);
    }
    this.strength = strength;
    this.lookback = lookback;
    this.#span = 2 * strength + 1;
    this.#lows = new Float64Array(this.#span);
    this.#highs = new Float64Array(this.#span);
    this.#ind = new Float64Array(this.#span);
  }

  /** Feeds one bar (its low, high and indicator value) and returns the divergence it confirms. */
  update(low: number, high: number, indicator: number): DivergenceCode {
    const span = this.#span;
    const slot = this.#slot;
    this.#slot = slot + 1 === span ? 0 : slot + 1;
    const lows = this.#lows;
    const highs = this.#highs;
    lows[slot] = low;
    highs[slot] = high;
    this.#ind[slot] = indicator;
    const bar = this.#bar++;
    this.code = 0;
    if (bar + 1 < span) return 0;
    const k = this.strength;
    let mid = slot - k;
    if (mid < 0) mid += span;
    const pl = lows[mid];
    const ph = highs[mid];
    // Quick reject on the two bars next to the pivot (most bars are no pivot at all).
    let before = mid === 0 ? span - 1 : mid - 1;
    let after = mid + 1 === span ? 0 : mid + 1;
    let isLow = pl < lows[before] && !(pl > lows[after]);
    let isHigh = ph > highs[before] && !(ph < highs[after]);
    if (!isLow && !isHigh) return 0;
    const ind = this.#ind[mid];
    if (ind !== ind) return 0;
    for (let d = 2; d <= k; d++) {
      before = before === 0 ? span - 1 : before - 1;
      after = after + 1 === span ? 0 : after + 1;
      if (isLow && (!(pl < lows[before]) || pl > lows[after])) {
        if (!isHigh) return 0;
        isLow = false;
      }
      if (isHigh && (!(ph > highs[before]) || ph < highs[after])) {
        if (!isLow) return 0;
        isHigh = false;
      }
    }
    const pivotBar = bar - k;
    let bullish = false;
    let bearish = false;
    if (isLow) {
      if (this.#lowBar >= 0 && pivotBar - this.#lowBar <= this.lookback) {
        bullish = pl < this.#lowPrice && ind > this.#lowInd;
      }
      this.#lowBar = pivotBar;
      this.#lowPrice = pl;
      this.#lowInd = ind;
    }
    if (isHigh) {
      if (this.#highBar >= 0 && pivotBar - this.#highBar <= this.lookback) {
        bearish = ph > this.#highPrice && ind < this.#highInd;
      }
      this.#highBar = pivotBar;
      this.#highPrice = ph;
      this.#highInd = ind;
    }
    // An outside bar can be both pivots; conflicting evidence reports nothing.
    this.code = bullish === bearish ? 0 : bullish ? 1 : -1;
    return this.code;
  }
}
