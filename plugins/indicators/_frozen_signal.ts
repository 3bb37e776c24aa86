/**
 * Shared, frozen signal objects for states whose reason text is static, so `evaluate` returns
 * without allocating and no caller can mutate a state's score by accident.
 * @module
 */
import type { IndicatorSignal } from "perptrix";

/** Builds a frozen signal; `extra` carries the optional risk function and stop-widening flag. */
export function frozenSignal(
  state: string,
  score: number,
  reason = "",
  extra: Pick<IndicatorSignal, "risk" | "widenStops"> = {},
): Readonly<IndicatorSignal> {
  return Object.freeze({ score, state, reason, ...extra });
}
