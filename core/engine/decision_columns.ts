/**
 * Trading decisions by position, in typed arrays: what `SignalSeries.decideBlock` answers for a
 * block of candles, and how the backtest carries a block's signals from the engine side to the
 * trading side without an object per candle.
 * @module
 */
import type { Direction, SignalDecision } from "../signal.ts";

/** `DecisionColumns.direction` of a candle during warm-up (no decision). */
export const WARMING_UP = 2;

/**
 * Decisions by position: `direction` −1 Short, 0 Neutral, 1 Long or {@linkcode WARMING_UP}; `sl`
 * and `tp` the SL/TP distances in percent, NaN where the decision has none.
 */
export interface DecisionColumns {
  /** −1 Short, 0 Neutral, 1 Long, or {@linkcode WARMING_UP}. */
  direction: Int8Array;
  /** SL distance in percent, NaN without a stop; not written for warm-up positions. */
  sl: Float64Array;
  /** TP distance in percent, NaN without a target; not written for warm-up positions. */
  tp: Float64Array;
}

const BY_CODE: readonly Direction[] = ["Short", "Neutral", "Long"];

/** Writes decision `d` (`undefined`: warm-up) at position `q`. */
export function putDecision(
  out: DecisionColumns,
  q: number,
  d: Readonly<SignalDecision> | undefined,
): void {
  if (d === undefined) {
    out.direction[q] = WARMING_UP;
    return;
  }
  const dir = d.direction;
  out.direction[q] = dir === "Long" ? 1 : dir === "Short" ? -1 : 0;
  out.sl[q] = d.sl_pct ?? NaN;
  out.tp[q] = d.tp_pct ?? NaN;
}

/**
 * The decision at position `q` for the candle opening at `time`, written into `into` (returned),
 * or `undefined` during warm-up.
 */
export function readDecision(
  cols: DecisionColumns,
  q: number,
  time: number,
  into: SignalDecision,
): SignalDecision | undefined {
  const code = cols.direction[q];
  if (code === WARMING_UP) return undefined;
  into.time = time;
  into.direction = BY_CODE[code + 1];
  const sl = cols.sl[q];
  const tp = cols.tp[q];
  into.sl_pct = sl === sl ? sl : null;
  into.tp_pct = tp === tp ? tp : null;
  return into;
}
