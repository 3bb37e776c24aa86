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

/**
 * Computes every column with default parameters through the plugins' streaming states, the same
 * code the engine runs. Candles must be valid and in time order (the CSV parser guarantees it).
 */
export function indicatorColumns(candles: readonly Candle[]): IndicatorColumns {
  const n = candles.length;
  const out = {} as IndicatorColumns;
  for (const k of INDICATOR_COLUMNS) out[k] = new Array(n);
  const sRsi = rsi.create(rsi.params.parse({}));
  const sMacd = macd.create(macd.params.parse({}));
  const sEma = emaCross.create(emaCross.params.parse({}));
  const sBb = bollinger.create(bollinger.params.parse({}));
  const sAtr = atr.create(atr.params.parse({}));
  const sObv = obv.create(obv.params.parse({}));
  const sSt = supertrend.create(supertrend.params.parse({}));
  for (let i = 0; i < n; i++) {
    const c = candles[i];
    sRsi.update(c);
    sMacd.update(c);
    sEma.update(c);
    sBb.update(c);
    sAtr.update(c);
    sObv.update(c);
    sSt.update(c);
    out.rsi14[i] = orNull(sRsi.rsi);
    out.macd[i] = orNull(sMacd.line);
    out.macd_signal[i] = orNull(sMacd.signal);
    out.macd_hist[i] = orNull(sMacd.hist);
    out.ema20[i] = orNull(sEma.fast);
    out.ema50[i] = orNull(sEma.slow);
    out.bb_upper[i] = orNull(sBb.upper);
    out.bb_middle[i] = orNull(sBb.middle);
    out.bb_lower[i] = orNull(sBb.lower);
    out.atr14[i] = orNull(sAtr.atr);
    out.obv[i] = orNull(sObv.obv);
    out.supertrend[i] = orNull(sSt.value);
    out.supertrend_dir[i] = sSt.direction === 0 ? null : sSt.direction;
  }
  return out;
}

function orNull(x: number): number | null {
  return x === x ? x : null;
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
