/**
 * Risk level: indicators carry their own risk adjustments (regime, funding crowding, divergences);
 * the engine adds them up with a penalty for a weak total (behaviour spec §3.4).
 * @module
 */
import type { IndicatorSignal } from "../indicator.ts";
import type { RiskLevel } from "../signal.ts";

/** The risk rule with every default resolved. */
export interface RiskPlan {
  /** `|total| < weakBelow` adds `weakAdd`. */
  weakBelow: number;
  /** Added to the risk count when the total is weak. */
  weakAdd: number;
  /** Count ≥ highAt → High; ≥ mediumAt → Medium; else Low. */
  highAt: number;
  /** Counts from here up to `highAt` are Medium; below it, Low. */
  mediumAt: number;
}

/**
 * Σ `signal.risk(total)` over the signals that carry one, plus the weak-total penalty. Signed:
 * fading an extreme may lower it below zero. A risk function returning a non-finite number is a
 * plugin bug and is reported, not summed.
 */
export function riskCount(
  signals: readonly IndicatorSignal[],
  total: number,
  plan: RiskPlan,
): number {
  let r = 0;
  for (let i = 0; i < signals.length; i++) {
    const f = signals[i].risk;
    if (f === undefined) continue;
    const v = f(total);
    if (!Number.isFinite(v)) {
      throw new RangeError(`risk(${total}) of a "${signals[i].state}" signal returned ${v}`);
    }
    r += v;
  }
  if (Math.abs(total) < plan.weakBelow) r += plan.weakAdd;
  return r;
}

/** The level of a risk count. */
export function riskLevel(count: number, plan: RiskPlan): RiskLevel {
  if (count >= plan.highAt) return "High";
  if (count >= plan.mediumAt) return "Medium";
  return "Low";
}
