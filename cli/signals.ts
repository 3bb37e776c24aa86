/**
 * `deno task signals FILE.csv [options]`: runs the signal engine over a candle CSV and prints one
 * JSON signal record per line for every candle after warm-up, so any series can be inspected.
 *
 * Options:
 *   --strategy ID             built-in profile (default, weighted) or the id for --strategy-file
 *   --strategy-file FILE      a strategy profile body as JSON
 *   --funding FILE            funding CSV (`time,rate`) as-of joined at each candle's close,
 *                             normalised per hour
 *   --funding-period-hours N  settlement period of the funding file (default: inferred)
 *   --symbol S                symbol written into the records (default: the file name)
 *   --interval I              candle interval (default: inferred from the spacing); either way
 *                             every spacing must be a whole multiple of it, times in epoch ms
 *   --sig-figs N --max-decimals N   round SL/TP prices (Hyperliquid perps: 5 and 6 − szDecimals)
 *
 * Errors (bad rows with their line, bad profiles with every problem) go to stderr with exit 1;
 * a one-line summary goes to stderr at the end.
 * @module
 */
import { parseArgs } from "node:util";
import { type Candle, CandleError } from "../core/candle.ts";
import {
  candleInterval,
  candleLine,
  CandleTimeError,
  CsvError,
  parseCandlesCsv,
  parseFundingCsv,
} from "../core/csv.ts";
import { joinFunding } from "../core/engine/funding_join.ts";
import { SignalEngine } from "../core/engine/engine.ts";
import { PluginFailure } from "../core/engine/series.ts";
import { BUILTIN_PROFILES, DEFAULT_STRATEGY_ID, StrategyError } from "../core/engine/strategy.ts";
import { type Interval, intervalMs, INTERVALS, isInterval } from "../core/interval.ts";
import { exactPriceRule, type PriceRule, sigFigPriceRule } from "../core/price_rule.ts";
import { defaultRoots, discover, PluginError } from "../core/registry.ts";

/** A usage or input problem: printed without a stack trace, exit code 1. */
export class UsageError extends Error {
  override name = "UsageError";
}

const USAGE = "usage: deno task signals FILE.csv [--strategy ID | --strategy-file FILE] " +
  "[--funding FILE.csv] [--funding-period-hours N] [--symbol S] [--interval I] " +
  "[--sig-figs N --max-decimals N]";

/**
 * The interval of the candles: `given` checked against their spacing, or inferred from it, by
 * the same rule as the backtest (`candleInterval`: epoch-ms times, every spacing a whole multiple
 * of the interval). `lineOf` maps a candle to its file line for the messages.
 */
export function inferInterval(
  candles: readonly Candle[],
  given?: Interval,
  lineOf?: (i: number) => number,
): Interval {
  try {
    return candleInterval(candles, given, lineOf);
  } catch (e) {
    if (e instanceof CandleTimeError) throw new UsageError(e.message);
    throw e;
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

/** Writes everything, looping over partial writes. */
async function writeAll(w: { write(p: Uint8Array): Promise<number> }, data: Uint8Array) {
  let off = 0;
  while (off < data.length) off += await w.write(data.subarray(off));
}

/** Runs the CLI; returns the exit code. `out` receives the JSON lines. */
export async function main(
  args: string[],
  out: { write(p: Uint8Array): Promise<number> } = Deno.stdout,
): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      strategy: { type: "string" },
      "strategy-file": { type: "string" },
      funding: { type: "string" },
      "funding-period-hours": { type: "string" },
      symbol: { type: "string" },
      interval: { type: "string" },
      "sig-figs": { type: "string" },
      "max-decimals": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const file = positionals[0];

  const text = await readText(file, "candle file");
  const header = text.slice(0, text.indexOf("\n") >>> 0).trim().toLowerCase();
  if (/^time,rate\b/.test(header)) {
    throw new UsageError(`${file} is a funding file (time,rate); pass it with --funding`);
  }
  let candles: Candle[];
  try {
    candles = parseCandlesCsv(text);
  } catch (e) {
    if (e instanceof CsvError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }

  if (o.interval !== undefined && !isInterval(o.interval)) {
    throw new UsageError(`--interval "${o.interval}" is not one of ${INTERVALS.join(", ")}`);
  }
  // A given interval is checked too: the funding join takes `time + interval` as each close.
  let interval: Interval;
  try {
    interval = inferInterval(candles, o.interval, (i) => candleLine(text, i));
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }

  let joined = 0;
  if (o.funding !== undefined) {
    const period = positiveInt(o["funding-period-hours"], "--funding-period-hours");
    if (period === 0) throw new UsageError("--funding-period-hours must be ≥ 1");
    let points;
    try {
      points = parseFundingCsv(await readText(o.funding, "funding file"), period);
    } catch (e) {
      if (e instanceof CsvError) throw new UsageError(`${o.funding}: ${e.message}`);
      throw e;
    }
    ({ candles, joined } = joinFunding(candles, points, intervalMs(interval)));
  }

  const sig = positiveInt(o["sig-figs"], "--sig-figs");
  const dec = positiveInt(o["max-decimals"], "--max-decimals");
  let rule: PriceRule = exactPriceRule;
  if ((sig === undefined) !== (dec === undefined)) {
    throw new UsageError("--sig-figs and --max-decimals go together");
  }
  if (sig !== undefined) {
    try {
      rule = sigFigPriceRule(sig, dec!);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }

  const registry = await discover({
    roots: defaultRoots().filter((r) => r.kind === "indicator" || r.kind === "category"),
  });
  const engine = new SignalEngine(registry);
  let strategyId = o.strategy ?? DEFAULT_STRATEGY_ID;
  let body: unknown = undefined;
  if (o["strategy-file"] !== undefined) {
    const path = o["strategy-file"];
    try {
      body = JSON.parse(await readText(path, "strategy file"));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`${path} is not valid JSON: ${(e as Error).message}`);
    }
    if (o.strategy === undefined) {
      strategyId = path.replace(/^.*\//, "").replace(/\.json$/i, "").toLowerCase();
    }
  } else if (!(strategyId in BUILTIN_PROFILES)) {
    throw new UsageError(
      `no built-in strategy "${strategyId}" (built-in: ${
        Object.keys(BUILTIN_PROFILES).join(", ")
      }); ` +
        "use --strategy-file for your own profile",
    );
  }
  const strategy = engine.compile(strategyId, body);
  const symbol = o.symbol ?? file.replace(/^.*\//, "").replace(/\.csv$/i, "");
  const series = engine.series(symbol, interval, strategy, { priceRule: rule });

  const enc = new TextEncoder();
  const counts = { Long: 0, Short: 0, Neutral: 0 };
  let buf = "";
  let emitted = 0;
  for (const c of candles) {
    const r = series.update(c);
    if (r === undefined) continue;
    counts[r.direction]++;
    emitted++;
    buf += JSON.stringify(r) + "\n";
    if (buf.length >= 1 << 20) {
      await writeAll(out, enc.encode(buf));
      buf = "";
    }
  }
  if (buf.length > 0) await writeAll(out, enc.encode(buf));
  console.error(
    `signals: ${symbol} ${interval}, strategy ${strategyId}: ${candles.length} candles, ` +
      `warm-up ${strategy.warmup}, ${emitted} signals (Long ${counts.Long}, Short ${counts.Short}, ` +
      `Neutral ${counts.Neutral})` +
      (o.funding !== undefined ? `, funding on ${joined} candles` : ""),
  );
  return 0;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) Deno.exit(0); // e.g. `| head`
    const known = e instanceof UsageError || e instanceof StrategyError ||
      e instanceof PluginError || e instanceof CandleError || e instanceof PluginFailure ||
      (e as Error)?.name === "TypeError" &&
        /parseArgs|option|argument/i.test((e as Error).message) ||
      (e as { code?: string })?.code?.startsWith?.("ERR_PARSE_ARGS");
    console.error(`signals: ${known ? (e as Error).message : (e as Error)?.stack ?? e}`);
    code = 1;
  }
  Deno.exit(code);
}
