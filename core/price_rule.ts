/**
 * Price rules: how a market lets a price be written. The engine rounds stop-loss and take-profit
 * prices through a rule so that an order built from a signal is accepted as is; providers know the
 * rule of their venue and supply it.
 * @module
 */

/** Which way to round: `down` toward −∞, `up` toward +∞, `nearest` half away from zero. */
export type RoundDirection = "down" | "up" | "nearest";

/** A venue's price grammar. */
export interface PriceRule {
  /** Short description for logs and `/plugins`, e.g. `"5 significant figures, ≤ 4 decimals"`. */
  readonly description: string;
  /** The closest allowed price to `px` in the given direction. `px` must be positive and finite. */
  roundPrice(px: number, direction: RoundDirection): number;
}

/** Leaves prices untouched: for markets with no known rule (CSV files, tests). */
export const exactPriceRule: PriceRule = {
  description: "no rounding",
  roundPrice: (px) => px,
};

const POW10: number[] = [];
for (let i = 0; i <= 30; i++) POW10.push(Number(`1e${i}`));

/** floor(log10(x)) for positive finite x, exact at powers of ten (Math.log10 alone is not). */
export function decimalExponent(x: number): number {
  let e = Math.floor(Math.log10(x));
  const p = e >= 0 ? (POW10[e] ?? 10 ** e) : 1 / (POW10[-e] ?? 10 ** -e);
  if (p > x) e--;
  else if (p * 10 <= x) e++;
  return e;
}

/** Relative distance (≈ 45 ulps) within which a scaled price counts as on the grid. */
const SNAP = 1e-14;

/**
 * Rounds `px` to `decimals` decimal places in `direction`. A value already on the grid (up to
 * float noise of the scaling) is returned on the grid rather than pushed one step further.
 */
export function roundToDecimals(px: number, decimals: number, direction: RoundDirection): number {
  const scale = POW10[decimals] ?? 10 ** decimals;
  const scaled = px * scale;
  const nearest = Math.round(scaled);
  let n: number;
  if (Math.abs(scaled - nearest) <= SNAP * Math.max(1, Math.abs(scaled))) n = nearest;
  else if (direction === "down") n = Math.floor(scaled);
  else if (direction === "up") n = Math.ceil(scaled);
  else n = nearest;
  // Dividing by the scale keeps the result the shortest decimal (e.g. 3650.1, not 3650.1000000001).
  return n / scale;
}

/**
 * The common "significant figures, capped decimals, integers always allowed" rule (Hyperliquid
 * perps use `sigFigPriceRule(5, 6 − szDecimals)`).
 */
export function sigFigPriceRule(sigFigs: number, maxDecimals: number): PriceRule {
  if (!Number.isInteger(sigFigs) || sigFigs < 1 || sigFigs > 17) {
    throw new RangeError(`sigFigs must be an integer in [1, 17], got ${sigFigs}`);
  }
  if (!Number.isInteger(maxDecimals) || maxDecimals < 0 || maxDecimals > 20) {
    throw new RangeError(`maxDecimals must be an integer in [0, 20], got ${maxDecimals}`);
  }
  return {
    description: `${sigFigs} significant figures, at most ${maxDecimals} decimals`,
    roundPrice(px: number, direction: RoundDirection): number {
      if (!(px > 0) || !Number.isFinite(px)) {
        throw new RangeError(`price ${px} is not a positive finite number`);
      }
      const decimals = Math.min(maxDecimals, Math.max(0, sigFigs - 1 - decimalExponent(px)));
      const r = roundToDecimals(px, decimals, direction);
      // Rounding down below the smallest step gives 0, which is no price: use one step instead.
      return r > 0 ? r : 1 / (POW10[decimals] ?? 10 ** decimals);
    },
  };
}
