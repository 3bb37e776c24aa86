/**
 * Which files the replay provider plays: options and `REPLAY_*` environment variables resolved to
 * validated (symbol, interval, candles) series and per-symbol funding.
 * @module
 */
import {
  type Candle,
  candleInterval,
  type FundingPoint,
  type Interval,
  INTERVALS,
  parseCandlesCsv,
  parseFundingCsv,
  z,
} from "perptrix";

/** `config.plugins.replay.options`. */
export const ReplayOptions = z.object({
  /**
   * Candle files: `"SYMBOL@INTERVAL=path"` or a bare `"path"` (symbol = the configured symbol at
   * the same position, interval inferred from the row spacing).
   */
  candles: z.array(z.string().min(1)).default([]),
  /** Funding files: `"SYMBOL=path"` or a bare `"path"` (symbol by position). */
  funding: z.array(z.string().min(1)).default([]),
  /** Replay clock speed: 1 = real time, 60 = a minute per second, 0 = as fast as possible. */
  speed: z.number().min(0).max(1e9).default(0),
}).strict();
/** Validated replay options. */
export type ReplayOptions = z.infer<typeof ReplayOptions>;

/** One series to play. */
export interface ReplaySeries {
  symbol: string;
  interval: Interval;
  file: string;
  candles: Candle[];
}

/** Thrown for a bad replay source, naming the entry and the reason. */
export class ReplaySourceError extends Error {
  override name = "ReplaySourceError";
}

/**
 * The file's interval, given or inferred, checked against its row spacing and epoch-ms times by
 * the same rule as the CLIs (`candleInterval`), so a replay never plays candles at a wrong pace.
 */
function seriesInterval(candles: readonly Candle[], file: string, given?: Interval): Interval {
  try {
    return candleInterval(candles, given);
  } catch (e) {
    throw new ReplaySourceError(`${file}: ${(e as Error).message}`);
  }
}

function splitEntry(entry: string): { key?: string; path: string } {
  const eq = entry.indexOf("=");
  return eq > 0 ? { key: entry.slice(0, eq).trim(), path: entry.slice(eq + 1).trim() } : {
    path: entry.trim(),
  };
}

/** Reads a file; a relative path missing from the cwd is also tried in the shared data folder. */
function readText(path: string, dataDir: string | undefined): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (dataDir && !path.startsWith("/")) {
      try {
        return Deno.readTextFileSync(`${dataDir}/${path}`);
      } catch { /* report the original error */ }
    }
    throw new ReplaySourceError(`${path}: cannot be read: ${(e as Error).message}`);
  }
}

/** Loads and validates every candle series. */
export function loadSeries(
  entries: readonly string[],
  symbols: readonly string[],
  dataDir?: string,
): ReplaySeries[] {
  const out: ReplaySeries[] = [];
  entries.forEach((entry, idx) => {
    const { key, path } = splitEntry(entry);
    let candles: Candle[];
    try {
      candles = parseCandlesCsv(readText(path, dataDir));
    } catch (e) {
      if (e instanceof ReplaySourceError) throw e;
      throw new ReplaySourceError(`${path}: ${(e as Error).message}`);
    }
    let symbol: string | undefined;
    let interval: Interval;
    if (key !== undefined) {
      const [s, i] = key.split("@");
      symbol = s?.trim();
      const iv = i?.trim();
      if (iv !== undefined && !(INTERVALS as readonly string[]).includes(iv)) {
        throw new ReplaySourceError(`${entry}: "${iv}" is not an interval`);
      }
      interval = seriesInterval(candles, path, iv as Interval | undefined);
    } else {
      symbol = symbols[idx];
      interval = seriesInterval(candles, path);
    }
    if (!symbol) throw new ReplaySourceError(`${entry}: no symbol (write "SYMBOL@INTERVAL=path")`);
    if (out.some((s) => s.symbol === symbol && s.interval === interval)) {
      throw new ReplaySourceError(`${entry}: ${symbol} ${interval} is given twice`);
    }
    out.push({ symbol, interval, file: path, candles });
  });
  return out;
}

/** Loads funding files per symbol (rates per settlement; the period is inferred). */
export function loadFunding(
  entries: readonly string[],
  symbols: readonly string[],
  dataDir?: string,
): Map<string, FundingPoint[]> {
  const out = new Map<string, FundingPoint[]>();
  entries.forEach((entry, idx) => {
    const { key, path } = splitEntry(entry);
    const symbol = key ?? symbols[idx];
    if (!symbol) throw new ReplaySourceError(`${entry}: no symbol (write "SYMBOL=path")`);
    try {
      out.set(symbol, parseFundingCsv(readText(path, dataDir)));
    } catch (e) {
      if (e instanceof ReplaySourceError) throw e;
      throw new ReplaySourceError(`${path}: ${(e as Error).message}`);
    }
  });
  return out;
}

/** Splits a comma-separated `REPLAY_*` value. */
export function splitList(s: string | undefined): string[] | undefined {
  if (s === undefined || s.trim() === "") return undefined;
  return s.split(",").map((x) => x.trim()).filter((x) => x.length > 0);
}
