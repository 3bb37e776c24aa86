/**
 * Runs a whole series through an indicator's streaming state. There is no batch formula:
 * this is the live code, one candle at a time.
 * @module
 */
import type { Candle } from "./candle.ts";
import type { Indicator, IndicatorSignal } from "./indicator.ts";

/** Column-wise output of {@linkcode runBatch}: one array per value key, aligned with rows. */
export type BatchResult = Record<string, (number | null)[]>;

/** Feeds every candle and records `values()` after each. Parameters are validated first. */
export function runBatch<P>(
  indicator: Indicator<P>,
  candles: readonly Candle[],
  params: Partial<P> = {},
): BatchResult {
  const p = indicator.params.parse(params);
  const state = indicator.create(p);
  const out: BatchResult = {};
  for (const k of indicator.outputs) out[k] = new Array(candles.length);
  for (let i = 0; i < candles.length; i++) {
    state.update(candles[i]);
    const v = state.values();
    for (const k of indicator.outputs) out[k][i] = v[k] ?? null;
  }
  return out;
}

/** Feeds every candle and records the signal after each (for tests and inspection). */
export function runSignals<P>(
  indicator: Indicator<P>,
  candles: readonly Candle[],
  params: Partial<P> = {},
): IndicatorSignal[] {
  const p = indicator.params.parse(params);
  const state = indicator.create(p);
  const out: IndicatorSignal[] = new Array(candles.length);
  for (let i = 0; i < candles.length; i++) {
    state.update(candles[i]);
    out[i] = indicator.evaluate(state, p);
  }
  return out;
}
