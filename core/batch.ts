/**
 * Runs a whole series through an indicator's streaming state. There is no batch formula:
 * this is the live code, one candle at a time.
 * @module
 */
import type { Candle } from "./candle.ts";
import type {
  CandleColumns,
  Indicator,
  IndicatorSignal,
  IndicatorState,
  ValueColumns,
} from "./indicator.ts";

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

/** The candle of row `i` of `cols`, as the streaming path sees it. */
function rowCandle(cols: CandleColumns, i: number): Candle {
  const c: Candle = {
    time: cols.time[i],
    open: cols.open[i],
    high: cols.high[i],
    low: cols.low[i],
    close: cols.close[i],
    volume: cols.volume[i],
  };
  const f = cols.fundingRate[i];
  const oi = cols.openInterest[i];
  if (f === f) c.fundingRate = f;
  if (oi === oi) c.openInterest = oi;
  return c;
}

/** Feeds the streaming state row by row: the reference every `batch` must equal. */
export function streamColumns<P>(
  indicator: Indicator<P>,
  cols: CandleColumns,
  params: P,
): ValueColumns {
  const state: IndicatorState = indicator.create(params);
  const out: ValueColumns = {};
  for (const k of indicator.outputs) out[k] = new Float64Array(cols.length);
  for (let i = 0; i < cols.length; i++) {
    state.update(rowCandle(cols, i));
    const v = state.values();
    for (const k of indicator.outputs) out[k][i] = v[k] ?? NaN;
  }
  return out;
}

/**
 * Every output of `indicator` over whole columns (see `candleColumns`): the plugin's `batch` when
 * it has one, else its streaming state. Parameters are validated first; the result is checked to
 * hold one full-length column per output.
 */
export function computeColumns<P>(
  indicator: Indicator<P>,
  cols: CandleColumns,
  params: Partial<P> = {},
): ValueColumns {
  const p = indicator.params.parse(params);
  if (indicator.batch === undefined) return streamColumns(indicator, cols, p);
  const out = indicator.batch(cols, p);
  for (const k of indicator.outputs) {
    const col = out[k];
    if (!(col instanceof Float64Array) || col.length !== cols.length) {
      throw new TypeError(
        `indicator "${indicator.id}" batch() gave no ${cols.length}-row column "${k}"`,
      );
    }
  }
  return out;
}
