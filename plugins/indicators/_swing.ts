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
 * indicator value is NaN (its warm-up) never become pivots. State is three power-of-two rings of
 * at least `2 * strength + 1` numbers and two remembered pivots: O(strength) per bar, independent
 * of history, no allocation after construction.
 *
 * Speed: whether a bar beats its neighbour is a coin flip, so a short-circuit pivot test makes
 * the CPU mispredict on most bars. The test therefore evaluates every comparison as 0/1 and ANDs
 * them, with no branch until the verdict (a pivot of either kind on about one bar in five), and
 * the pivots' bookkeeping is kept out of the per-bar path.
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
  #mask: number; // ring capacity − 1 (a power of two, at least 2·strength + 1 slots)
  #bar = 0; // bars fed so far; bar t lives in slot t & mask
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
    let cap = 2;
    while (cap < 2 * strength + 1) cap *= 2;
    this.#mask = cap - 1;
    this.#lows = new Float64Array(cap);
    this.#highs = new Float64Array(cap);
    this.#ind = new Float64Array(cap);
  }

  /** Feeds one bar (its low, high and indicator value) and returns the divergence it confirms. */
  update(low: number, high: number, indicator: number): DivergenceCode {
    const bar = this.#bar++;
    const mask = this.#mask;
    const lows = this.#lows;
    const highs = this.#highs;
    const slot = bar & mask;
    lows[slot] = low;
    highs[slot] = high;
    this.#ind[slot] = indicator;
    this.code = 0;
    const k = this.strength;
    if (bar < 2 * k) return 0;
    const pivotBar = bar - k; // the bar `strength` bars back has both its sides now
    const mid = pivotBar & mask;
    const pl = lows[mid];
    const ph = highs[mid];
    const ind = this.#ind[mid];
    // A swing low is strictly below every low before it and not above any after it; a swing
    // high mirrors that; a NaN indicator bar is neither. `+(…)` turns each comparison into 0/1
    // without a branch.
    let isLow = +(ind === ind);
    let isHigh = isLow;
    for (let d = 1; d <= k; d++) {
      const before = (pivotBar - d) & mask;
      const after = (pivotBar + d) & mask;
      isLow &= +(pl < lows[before]) & +!(pl > lows[after]);
      isHigh &= +(ph > highs[before]) & +!(ph < highs[after]);
      // A long strength stops early once neither pivot is possible (every 8 bars: a rare,
      // predictable branch, never taken at the default strength 3).
      if ((d & 7) === 0 && (isLow | isHigh) === 0) break;
    }
    // Each kind of pivot is rare (~1 bar in 10), so its bookkeeping stays out of the per-bar
    // path. An outside bar can be both pivots; conflicting evidence (+1 − 1) reports nothing.
    let code = 0;
    if (isLow !== 0) code = this.#swingLow(pl, ind, pivotBar);
    if (isHigh !== 0) code -= this.#swingHigh(ph, ind, pivotBar);
    this.code = code as DivergenceCode;
    return this.code;
  }

  // Records a swing low; 1 when it is a lower low with a higher indicator, else 0.
  #swingLow(price: number, ind: number, bar: number): number {
    const bullish = this.#lowBar >= 0 && bar - this.#lowBar <= this.lookback &&
      price < this.#lowPrice && ind > this.#lowInd;
    this.#lowBar = bar;
    this.#lowPrice = price;
    this.#lowInd = ind;
    return bullish ? 1 : 0;
  }

  // Records a swing high; 1 when it is a higher high with a lower indicator, else 0.
  #swingHigh(price: number, ind: number, bar: number): number {
    const bearish = this.#highBar >= 0 && bar - this.#highBar <= this.lookback &&
      price > this.#highPrice && ind < this.#highInd;
    this.#highBar = bar;
    this.#highPrice = price;
    this.#highInd = ind;
    return bearish ? 1 : 0;
  }
}
