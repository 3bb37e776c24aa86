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
 * time order (the CSV parser guarantees it; `candleColumns` checks again). `NaN` marks warm-up.
 */
export function indicatorValues(
  candles: readonly Candle[],
): Record<(typeof INDICATOR_COLUMNS)[number], Float64Array> {
  const cols = candleColumns(candles);
  const computed = new Map<Indicator, ValueColumns>();
  const out = {} as Record<(typeof INDICATOR_COLUMNS)[number], Float64Array>;
  for (const k of INDICATOR_COLUMNS) {
    const [plugin, key] = SOURCES[k];
    let values = computed.get(plugin);
    if (values === undefined) {
      values = computeColumns(plugin, cols);
      computed.set(plugin, values);
    }
    out[k] = values[key];
  }
  return out;
}

/** {@linkcode indicatorValues} as JSON-ready columns: a warm-up row is `null`. */
export function indicatorColumns(candles: readonly Candle[]): IndicatorColumns {
  const values = indicatorValues(candles);
  const out = {} as IndicatorColumns;
  for (const k of INDICATOR_COLUMNS) out[k] = nullsForNaN(values[k]);
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

/** Values per piece handed to `write` by {@linkcode writeColumnsJson} (about 1 MB of text). */
export const JSON_CHUNK = 65_536;

/**
 * Writes `{"key":[…],…}` and a newline, byte for byte what `JSON.stringify` of the columns plus
 * `"\n"` gives (non-finite numbers and `null` as `null`), in pieces of at most `chunk` values.
 * One string of the whole output would exceed V8's string length limit (~512 M characters) from
 * about 2.5 M rows of 13 columns; the pieces also let the first bytes out before the last are made.
 */
export async function writeColumnsJson(
  keys: readonly string[],
  column: (key: string) => ArrayLike<number | null>,
  write: (text: string) => Promise<void>,
  chunk: number = JSON_CHUNK,
): Promise<void> {
  if (!(chunk >= 1)) throw new RangeError(`chunk must be ≥ 1, got ${chunk}`);
  let buf = "{";
  let n = 0;
  for (let k = 0; k < keys.length; k++) {
    buf += (k > 0 ? "," : "") + JSON.stringify(keys[k]) + ":[";
    const col = column(keys[k]);
    for (let i = 0; i < col.length; i++) {
      const x = col[i];
      // JSON.stringify's rule for a number: finite ones as String(x), the rest as null.
      buf += (i > 0 ? "," : "") + (Number.isFinite(x) ? String(x) : "null");
      if (++n >= chunk) {
        await write(buf);
        buf = "";
        n = 0;
      }
    }
    buf += "]";
  }
  await write(buf + "}\n");
}

/**
 * Runs the CLI on `args`; returns the exit code. Output and errors go to the given sinks; the
 * JSON reaches `write` in pieces of `chunk` values ({@linkcode writeColumnsJson}).
 */
export async function main(
  args: readonly string[],
  write: (text: string) => Promise<void>,
  error: (text: string) => void,
  chunk: number = JSON_CHUNK,
): Promise<number> {
  const usage = "usage: deno task indicators FILE.csv   (columns time,open,high,low,close,volume)";
  if (args.length === 1 && (args[0] === "-h" || args[0] === "--help")) {
    error(usage); // asked for: not an error, as with the other CLIs
    return 0;
  }
  if (args.length !== 1) {
    error(usage);
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
  const values = indicatorValues(candles);
  await writeColumnsJson(INDICATOR_COLUMNS, (k) => values[k as keyof typeof values], write, chunk);
  return 0;
}

/**
 * {@linkcode main} as the process runs it: a reader that stops early (`| head`) closes the pipe,
 * which ends the run quietly with 0, as `deno task signals` does; any other failure is one line
 * on `error` (no stack trace) and exit code 1.
 */
export async function run(
  args: readonly string[],
  write: (text: string) => Promise<void>,
  error: (text: string) => void,
): Promise<number> {
  try {
    return await main(args, write, error);
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) return 0;
    error(`indicators: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += await Deno.stdout.write(bytes.subarray(off));
}

if (import.meta.main) {
  Deno.exit(await run(Deno.args, writeStdout, (t) => console.error(t)));
}
