/**
 * Where a backtest's candles and funding come from: CSV files, the configured store (candles
 * recorded by ingestion), or a provider plugin fetching history (Hyperliquid `candleSnapshot`
 * and `fundingHistory`). Plugins are created through the registry, exactly as the service does.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { Config } from "../core/config.ts";
import { readEnv } from "../core/context.ts";
import {
  candleInterval,
  candleLine,
  CandleTimeError,
  parseCandlesCsv,
  parseFundingCsv,
} from "../core/csv.ts";
import type { Interval } from "../core/interval.ts";
import { createLogger } from "../core/log.ts";
import type { FundingPoint } from "../core/market.ts";
import { pluginRegistry } from "./engine.ts";

/** Candles and funding ready for a run, with labels for the report. */
export interface MarketData {
  candles: Candle[];
  funding: FundingPoint[];
  candlesLabel: string;
  fundingLabel: string | null;
}

/** The data cannot be loaded; the message says which file or plugin and why. */
export class SourceError extends Error {
  override name = "SourceError";
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new SourceError(`${what} file ${path}: cannot be read: ${(e as Error).message}`);
  }
}

/** Reads a funding CSV (`time,rate` per settlement); errors name the file and line. */
export async function loadFundingCsv(path: string): Promise<FundingPoint[]> {
  const text = await readText(path, "funding");
  try {
    return parseFundingCsv(text);
  } catch (e) {
    throw new SourceError(`funding file ${path}: ${(e as Error).message}`);
  }
}

async function readCandles(path: string): Promise<{ text: string; candles: Candle[] }> {
  const text = await readText(path, "candle");
  try {
    return { text, candles: parseCandlesCsv(text) };
  } catch (e) {
    throw new SourceError(`candle file ${path}: ${(e as Error).message}`);
  }
}

/** Reads a candle CSV and an optional funding CSV; parse errors name the file and line. */
export async function loadCsvData(candlesPath: string, fundingPath?: string): Promise<MarketData> {
  const { candles } = await readCandles(candlesPath);
  const funding = fundingPath === undefined ? [] : await loadFundingCsv(fundingPath);
  return { candles, funding, candlesLabel: candlesPath, fundingLabel: fundingPath ?? null };
}

/** CSV market data with the interval its candles were checked against. */
export interface CsvMarketData extends MarketData {
  interval: Interval;
}

/**
 * {@linkcode loadCsvData}, then the candle times checked as a whole (`candleInterval`: epoch ms,
 * every spacing a whole multiple of the interval): against `interval` when given, else against
 * the one inferred from the spacing. The run takes `time + interval` as each candle's close, so an
 * unchecked `--interval` would join funding settled after a candle. Errors name the file and the
 * lines.
 */
export async function loadCsvMarket(
  candlesPath: string,
  fundingPath: string | undefined,
  interval: Interval | undefined,
): Promise<CsvMarketData> {
  const { text, candles } = await readCandles(candlesPath);
  let checked: Interval;
  try {
    checked = candleInterval(candles, interval, (i) => candleLine(text, i));
  } catch (e) {
    if (e instanceof CandleTimeError) {
      throw new SourceError(`candle file ${candlesPath}: ${e.message}`);
    }
    throw e;
  }
  const funding = fundingPath === undefined ? [] : await loadFundingCsv(fundingPath);
  return {
    candles,
    funding,
    candlesLabel: candlesPath,
    fundingLabel: fundingPath ?? null,
    interval: checked,
  };
}

/**
 * The interval whose length is the median candle spacing, with every spacing checked against it
 * (`candleInterval`); throws a {@linkcode SourceError} when none matches or the data disagrees.
 */
export function inferInterval(candles: readonly Candle[]): Interval {
  try {
    return candleInterval(candles);
  } catch (e) {
    if (e instanceof CandleTimeError) throw new SourceError(e.message);
    throw e;
  }
}

/** Keeps candles (and settlements) with `from ≤ time ≤ to`. */
export function clip<T extends { time: number }>(
  rows: readonly T[],
  from: number,
  to: number,
): T[] {
  return rows.filter((r) => r.time >= from && r.time <= to);
}

/** Options of {@linkcode loadPluginData}. */
export interface PluginSourceOptions {
  kind: "store" | "provider";
  /** Plugin id, e.g. `kv` or `hyperliquid`. */
  id: string;
  symbol: string;
  interval: Interval;
  from: number;
  to: number;
  config: Config;
  /** Settlements to use when the source has none (stores keep no funding history). */
  funding?: FundingPoint[];
  fundingLabel?: string | null;
}

/**
 * Loads candles from a store plugin (as recorded by ingestion) or a provider plugin (history
 * fetched from the venue, with its funding history). The plugin is stopped before returning.
 */
export async function loadPluginData(o: PluginSourceOptions): Promise<MarketData> {
  const reg = await pluginRegistry();
  const ctx = {
    config: o.config,
    options: o.config.plugins[o.id]?.options ?? {},
    env: readEnv,
    logger: createLogger(`backtest.${o.id}`),
  };
  if (o.kind === "store") {
    const plugin = reg.stores.get(o.id);
    if (plugin === undefined) {
      throw new SourceError(
        `no store plugin "${o.id}" (known: ${[...reg.stores.keys()].join(", ")})`,
      );
    }
    const store = plugin.create(ctx);
    await store.start();
    try {
      const candles = await store.candles(o.symbol, o.interval, { from: o.from, to: o.to });
      return {
        candles,
        funding: o.funding ?? [],
        candlesLabel: `store:${o.id} ${o.symbol} ${o.interval}`,
        fundingLabel: o.fundingLabel ?? null,
      };
    } finally {
      await store.stop();
    }
  }
  const plugin = reg.providers.get(o.id);
  if (plugin === undefined) {
    throw new SourceError(
      `no provider plugin "${o.id}" (known: ${[...reg.providers.keys()].join(", ")})`,
    );
  }
  const provider = plugin.create(ctx);
  try {
    const candles = await provider.candles(o.symbol, o.interval, o.from, o.to);
    const funding = o.funding ?? await provider.funding(o.symbol, o.from, o.to);
    return {
      candles,
      funding,
      candlesLabel: `provider:${o.id} ${o.symbol} ${o.interval}`,
      fundingLabel: o.fundingLabel ?? `provider:${o.id} fundingHistory`,
    };
  } finally {
    await provider.stop();
  }
}
