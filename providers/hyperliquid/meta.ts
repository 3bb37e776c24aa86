/**
 * Market metadata from `meta`: which coins exist and their `szDecimals`, which fixes the price
 * grammar: at most 5 significant figures and at most `6 − szDecimals` decimals (§5, perps).
 * @module
 */
import { type PriceRule, sigFigPriceRule } from "perptrix";
import type { MetaResponse } from "./schemas.ts";

/** Significant figures Hyperliquid accepts in a perp price. */
export const PRICE_SIG_FIGS = 5;
/** Perp prices have at most `MAX_PERP_DECIMALS − szDecimals` decimals. */
export const MAX_PERP_DECIMALS = 6;

/** The price rule of a perp with the given `szDecimals`. */
export function perpPriceRule(szDecimals: number): PriceRule {
  return sigFigPriceRule(PRICE_SIG_FIGS, Math.max(0, MAX_PERP_DECIMALS - szDecimals));
}

/** Coins of the perp universe by name. */
export class PerpUniverse {
  readonly #byName = new Map<string, { szDecimals: number; delisted: boolean }>();

  constructor(meta: MetaResponse) {
    for (const u of meta.universe) {
      this.#byName.set(u.name, { szDecimals: u.szDecimals, delisted: u.isDelisted === true });
    }
  }

  /** Every listed (not delisted) coin name, in universe order. */
  listed(): string[] {
    return [...this.#byName].filter(([, v]) => !v.delisted).map(([k]) => k);
  }

  /** Names among `symbols` that are unknown or delisted. */
  unavailable(symbols: readonly string[]): string[] {
    return symbols.filter((s) => {
      const e = this.#byName.get(s);
      return e === undefined || e.delisted;
    });
  }

  /** The price rule of `coin`, or undefined when the coin is unknown. */
  priceRule(coin: string): PriceRule | undefined {
    const e = this.#byName.get(coin);
    return e === undefined ? undefined : perpPriceRule(e.szDecimals);
  }
}
