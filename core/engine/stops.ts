/**
 * Stop-loss and take-profit: distances in percent from a volatility value (ATR × 1.2 and × 2.0 in
 * the seed, widened when an indicator asks), bounded by the profile, then turned into absolute
 * prices on the right side of the entry and rounded to the market's price rule.
 * @module
 */
import type { PriceRule } from "../price_rule.ts";
import type { Direction } from "../signal.ts";

/** The SL/TP geometry with defaults resolved (see the profile's `stops`). */
export interface StopsPlan {
  /** SL distance as a multiple of the volatility value (seed: 1.2 × ATR). */
  slMult: number;
  /** TP distance as a multiple of the volatility value (seed: 2.0 × ATR). */
  tpMult: number;
  /** Factor (≥ 1) on the SL distance when an indicator asks for wider stops. */
  widenSl: number;
  /** Factor (≥ 1) on the TP distance when an indicator asks for wider stops. */
  widenTp: number;
  /** 0 = no lower bound. */
  minSlPct: number;
  /** `Infinity` = no upper bound. */
  maxSlPct: number;
}

/** SL/TP distances in percent units (0.37 means 0.37 %). */
export interface StopDistances {
  /** Stop-loss distance from the entry, in percent. */
  sl_pct: number;
  /** Take-profit distance from the entry, in percent. */
  tp_pct: number;
  /** True when the widening factors were applied. */
  widened: boolean;
}

/**
 * Distances from a volatility value `vol` (e.g. ATR) at `price`: `vol × mult / price × 100`,
 * × the widening factors when `widen`, then the SL is held inside [minSlPct, maxSlPct] with the TP
 * scaled by the same factor so reward/risk is kept. Returns `undefined` when `vol` or `price` is
 * not a positive finite number (no volatility, no stops).
 */
export function stopDistances(
  vol: number | null | undefined,
  price: number,
  plan: StopsPlan,
  widen: boolean,
): StopDistances | undefined {
  const out: StopDistances = { sl_pct: 0, tp_pct: 0, widened: false };
  return stopDistancesInto(out, vol, price, plan, widen) ? out : undefined;
}

/**
 * {@linkcode stopDistances} written into a caller-owned `out` (no allocation on the per-candle
 * path). Returns false, leaving `out` untouched, where `stopDistances` returns `undefined`.
 */
export function stopDistancesInto(
  out: StopDistances,
  vol: number | null | undefined,
  price: number,
  plan: StopsPlan,
  widen: boolean,
): boolean {
  if (vol == null || !(vol > 0) || !Number.isFinite(vol)) return false;
  if (!(price > 0) || !Number.isFinite(price)) return false;
  let sl = vol * plan.slMult / price * 100;
  let tp = vol * plan.tpMult / price * 100;
  if (widen) {
    sl *= plan.widenSl;
    tp *= plan.widenTp;
  }
  if (sl < plan.minSlPct) {
    tp *= plan.minSlPct / sl;
    sl = plan.minSlPct;
  } else if (sl > plan.maxSlPct) {
    tp *= plan.maxSlPct / sl;
    sl = plan.maxSlPct;
  }
  out.sl_pct = sl;
  out.tp_pct = tp;
  out.widened = widen;
  return true;
}

/** Absolute SL/TP prices; `null` where no valid price exists (e.g. a long's SL at ≥ 100 %). */
export interface StopPrices {
  /** Rounded away from the entry; null unless positive and beyond the entry. */
  sl_price: number | null;
  /** Rounded toward the entry (outward if that reaches it); null unless beyond the entry. */
  tp_price: number | null;
}

/**
 * Absolute prices for a direction: a long's SL below and TP above the entry, a short's the
 * reverse. Rounding through `rule`: the SL away from the entry (a stop is never tighter than
 * computed), the TP toward the entry (a target is never more optimistic than computed) unless
 * that would put it on or through the entry, in which case it goes one step outward instead.
 * Neutral has no stops.
 */
export function stopPrices(
  direction: Direction,
  entry: number,
  d: StopDistances,
  rule: PriceRule,
): StopPrices {
  const out: StopPrices = { sl_price: null, tp_price: null };
  if (direction !== "Neutral") stopPricesInto(out, direction === "Long", entry, d, rule);
  return out;
}

/**
 * {@linkcode stopPrices} for a Long (`long`) or Short written into a caller-owned `out` (no
 * allocation on the per-candle path).
 */
export function stopPricesInto(
  out: StopPrices,
  long: boolean,
  entry: number,
  d: StopDistances,
  rule: PriceRule,
): void {
  const slRaw = long ? entry * (1 - d.sl_pct / 100) : entry * (1 + d.sl_pct / 100);
  const tpRaw = long ? entry * (1 + d.tp_pct / 100) : entry * (1 - d.tp_pct / 100);
  let sl: number | null = null;
  if (slRaw > 0 && Number.isFinite(slRaw)) {
    sl = rule.roundPrice(slRaw, long ? "down" : "up");
    if (long ? !(sl < entry) : !(sl > entry)) sl = null;
  }
  let tp: number | null = null;
  if (tpRaw > 0 && Number.isFinite(tpRaw)) {
    tp = rule.roundPrice(tpRaw, long ? "down" : "up");
    if (long ? !(tp > entry) : !(tp < entry)) tp = rule.roundPrice(tpRaw, long ? "up" : "down");
    if (long ? !(tp > entry) : !(tp < entry)) tp = null;
  }
  out.sl_price = sl;
  out.tp_price = tp;
}
