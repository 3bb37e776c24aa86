/**
 * `deno task indicators FILE.csv`: runs the seven price indicators over a candle CSV
 * (`time,open,high,low,close,volume`) and prints one JSON object of columns aligned with the
 * data rows, `null` during each indicator's warm-up. A bad row stops the run with its line
 * number on stderr and exit code 1. The numbers follow TA-Lib's definitions (see
 * `tests/indicators_reference_test.ts` for the proof on the long real series).
 * @module
 */
import type { Candle } from "../core/candle.ts";
import { CsvError, parseCandlesCsv } from "../core/csv.ts";
import { candleColumns } from "../core/columns.ts";
import { computeColumns } from "../core/batch.ts";
import type { Indicator, ValueColumns } from "../core/indicator.ts";
import macd from "../plugins/indicators/macd.ts";
import rsi from "../plugins/indicators/rsi.ts";
import emaCross from "../plugins/indicators/ema_cross.ts";
import bollinger from "../plugins/indicators/bollinger.ts";
import atr from "../plugins/indicators/atr.ts";
import obv from "../plugins/indicators/obv.ts";
import supertrend from "../plugins/indicators/supertrend.ts";

/** The printed keys, in output order. */
export const INDICATOR_COLUMNS = [
  "rsi14",
  "macd",
  "macd_signal",
  "macd_hist",
  "ema20",
  "ema50",
  "bb_upper",
  "bb_middle",
  "bb_lower",
  "atr14",
  "obv",
  "supertrend",
  "supertrend_dir",
] as const;

/** One column per key, aligned with the candles. */
export type IndicatorColumns = Record<(typeof INDICATOR_COLUMNS)[number], (number | null)[]>;

/** Where each printed column comes from: plugin, then its output key. */
const SOURCES: Record<(typeof INDICATOR_COLUMNS)[number], [Indicator, string]> = {
  rsi14: [rsi, "rsi"],
  macd: [macd, "macd"],
  macd_signal: [macd, "signal"],
  macd_hist: [macd, "hist"],
  ema20: [emaCross, "fast"],
  ema50: [emaCross, "slow"],
  bb_upper: [bollinger, "upper"],
  bb_middle: [bollinger, "middle"],
  bb_lower: [bollinger, "lower"],
  atr14: [atr, "atr"],
  obv: [obv, "obv"],
  supertrend: [supertrend, "value"],
  supertrend_dir: [supertrend, "direction"],
};

/**
 * Computes every column with default parameters through the plugins' whole-series path
 * (`computeColumns`: each plugin's `batch()`, proven bit-identical to its streaming state by
 * tests/batch_conformance_test.ts, or the streaming state itself). Candles must be valid and in
 * time order (the CSV parser guarantees it; `candleColumns` checks again).
 */
export function indicatorColumns(candles: readonly Candle[]): IndicatorColumns {
  const cols = candleColumns(candles);
  const computed = new Map<Indicator, ValueColumns>();
  const out = {} as IndicatorColumns;
  for (const k of INDICATOR_COLUMNS) {
    const [plugin, key] = SOURCES[k];
    let values = computed.get(plugin);
    if (values === undefined) {
      values = computeColumns(plugin, cols);
      computed.set(plugin, values);
    }
    out[k] = nullsForNaN(values[key]);
  }
  return out;
}

/** JSON has no NaN: a warm-up row prints as `null`. */
function nullsForNaN(col: Float64Array): (number | null)[] {
  const out: (number | null)[] = new Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const x = col[i];
    out[i] = x === x ? x : null;
  }
  return out;
}

/** Runs the CLI on `args`; returns the exit code. Output and errors go to the given sinks. */
export async function main(
  args: readonly string[],
  write: (text: string) => Promise<void>,
  error: (text: string) => void,
): Promise<number> {
  if (args.length !== 1 || args[0] === "-h" || args[0] === "--help") {
    error("usage: deno task indicators FILE.csv   (columns time,open,high,low,close,volume)");
    return 2;
  }
  const file = args[0];
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    error(`indicators: cannot read ${file}: ${(e as Error).message}`);
    return 1;
  }
  let candles: Candle[];
  try {
    candles = parseCandlesCsv(text);
  } catch (e) {
    if (e instanceof CsvError) {
      error(`indicators: ${file}: ${e.message}`);
      return 1;
    }
    throw e;
  }
  await write(JSON.stringify(indicatorColumns(candles)) + "\n");
  return 0;
}

async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += await Deno.stdout.write(bytes.subarray(off));
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args, writeStdout, (t) => console.error(t));
}
