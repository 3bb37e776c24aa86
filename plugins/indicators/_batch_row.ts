/**
 * One candle object reused for every row of a whole-series `batch()`. A plugin whose streaming
 * state does no evaluate-only work runs that very state over the columns, so the batch has no
 * second formula to drift from the live one, and no candle is allocated per row.
 * @module
 */
import type { Candle, CandleColumns } from "perptrix";

/**
 * A candle meant to be overwritten by {@linkcode loadRow}. Every field starts as a double, so the
 * object keeps one shape (and unboxed number fields) for the whole run.
 */
export function batchRow(): Candle {
  return { time: 0, open: 1, high: 1, low: 1, close: 1, volume: 0 };
}

/**
 * Copies row `i` of `cols` into `row`: time and OHLCV, everything a price indicator reads (the
 * perp fields are left out; no plugin driven this way reads them). `cols` rows are already
 * validated (`candleColumns`), so the states' trusted update applies.
 */
export function loadRow(row: Candle, cols: CandleColumns, i: number): void {
  row.time = cols.time[i];
  row.open = cols.open[i];
  row.high = cols.high[i];
  row.low = cols.low[i];
  row.close = cols.close[i];
  row.volume = cols.volume[i];
}
