/**
 * Locates the shared real-data folder (never copied into the repository) for tests and benches:
 * `PERPTRIX_DATA_DIR`, else `../shared/data` next to the checkout, else `/work/shared/data`.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import { parseCandlesCsv, parseFundingCsv } from "../core/csv.ts";
import type { FundingPoint } from "../core/market.ts";

/** Folders that exist but this process may not read (the task's `--allow-read` omits them). */
const denied: string[] = [];

function exists(p: string): boolean {
  try {
    return Deno.statSync(p).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      denied.push(p);
    }
    return false;
  }
}

function resolveDataDir(): string {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("PERPTRIX_DATA_DIR");
  } catch { /* no env permission */ }
  const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const candidates = [fromEnv, `${repo}/../shared/data`, "/work/shared/data"];
  for (const c of candidates) if (c && exists(c)) return c;
  const why = denied.length > 0
    ? `; not readable with this task's permissions: ${denied.join(", ")} ` +
      "(the tasks read ../shared: put the checkout beside the shared folder, or add the folder to " +
      "--allow-read)"
    : "";
  throw new Error(
    `shared data folder not found (tried ${candidates.filter(Boolean).join(", ")})${why}; ` +
      "set PERPTRIX_DATA_DIR",
  );
}

/** Absolute path of the shared data folder. */
export const DATA_DIR: string = resolveDataDir();

/** Path of a data file, e.g. `dataPath("regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv")`. */
export function dataPath(name: string): string {
  return `${DATA_DIR}/${name}`;
}

const cache = new Map<string, Candle[]>();

/** Loads (and memoises) a candle CSV from the data folder. */
export function loadCandles(name: string): Candle[] {
  let c = cache.get(name);
  if (!c) {
    c = parseCandlesCsv(Deno.readTextFileSync(dataPath(name)));
    cache.set(name, c);
  }
  return c;
}

/** Loads a funding CSV from the data folder. */
export function loadFunding(name: string): FundingPoint[] {
  return parseFundingCsv(Deno.readTextFileSync(dataPath(name)));
}

/** The long series the issues name: 58k 1h and 130k 1m BTC candles. */
export const BTC_1H = "binance-btcusdt-spot-1h-2017-08_2024-04.csv";
/** 130,708 consecutive 1m BTC candles. */
export const BTC_1M = "binance-btcusdt-spot-1m-2025-05-20_2025-08-18.csv";
