/**
 * `deno task backtest`: runs a strategy over historical candles through the live signal engine
 * and the trading model, then prints a summary and writes the JSON and HTML reports.
 *
 * ```sh
 * deno task backtest --csv FILE [--funding FILE] [--symbol BTC --interval 1h --from ISO --to ISO]
 *   [--strategy ID | --profile FILE] [--settings FILE] [--json OUT] [--html OUT]
 * deno task backtest --source store[:kv] --symbol BTC --interval 1h --from ISO [--funding FILE]
 * deno task backtest --source provider[:hyperliquid] --symbol BTC --interval 1h --from ISO
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { buildConfig } from "../core/config.ts";
import { readEnv } from "../core/context.ts";
import { type Interval, isInterval } from "../core/interval.ts";
import { ENGINE_VERSION } from "../core/engine/version.ts";
import { type BacktestConfigInput, parseBacktestConfig } from "../backtest/config.ts";
import { compileBacktestStrategy, engineSeries } from "../backtest/engine.ts";
import { ProgressBar, progressWanted } from "../backtest/progress.ts";
import { buildJsonReport } from "../backtest/report_json.ts";
import { renderHtmlReport } from "../backtest/report_html.ts";
import { runBacktest } from "../backtest/run.ts";
import {
  clip,
  loadCsvMarket,
  loadFundingCsv,
  loadPluginData,
  type MarketData,
} from "../backtest/source.ts";
import { parseDecimal } from "../core/csv.ts";

const USAGE = `usage: deno task backtest --csv FILE [--funding FILE] [options]
       deno task backtest --source store[:ID]|provider[:ID] --symbol SYM --interval IV --from ISO [options]

data     --csv FILE          candles (time,open,high,low,close,volume; time = open, epoch ms)
         --funding FILE      funding settlements (time,rate per settlement)
         --source KIND[:ID]  store (default id: config store) or provider (default: hyperliquid)
         --symbol SYM        market label / coin (default: BTC)
         --interval IV       candle interval (CSV: inferred from the spacing; given or inferred,
                             every spacing must be a whole multiple of it, times in epoch ms)
         --from ISO --to ISO trade only inside this range; earlier CSV candles warm the engine up
         --config FILE       service configuration (store/provider settings) for --source
strategy --strategy ID       built-in profile id (default: default)
         --profile FILE      profile body as JSON (named by --strategy, default "custom")
         --per-candle        feed the engine candle by candle as live does (same results as the
                             default blocks of 2,048 candles, slower)
trading  --settings FILE     backtest settings as JSON (see backtest/config.ts); flags override:
         --risk-pct N --max-leverage N --taker-fee F --maker-fee F --slippage-bps N
         --initial-equity N --entry next_open|signal_close --no-reverse --tp-market
         --min-notional N    skip entries below this notional (default 10, Hyperliquid's minimum)
         --ruin-pct N        ruined below N % of the initial equity: no entry after (default 1)
output   --json OUT          JSON report ("-" = stdout instead of the summary)
         --html OUT          self-contained HTML report
         --progress          force the progress bar (default: only when stderr is a terminal)
`;

/** A command-line mistake: printed with the usage, exit code 2. */
class UsageError extends Error {
  override name = "UsageError";
}

function parseTime(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  // 8.64e15 ms is the end of the range a Date can hold (the report prints times as ISO dates).
  if (!(Math.abs(t) <= 8.64e15)) {
    throw new UsageError(`${flag} "${s}" is not an ISO date or epoch ms`);
  }
  return t;
}

/** A numeric flag in decimal or scientific notation, as in the data files (no `0x10`). */
function parseNum(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const n = parseDecimal(s);
  if (!Number.isFinite(n)) {
    throw new UsageError(`${flag} "${s}" is not a number (decimal or scientific notation)`);
  }
  return n;
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`${what} ${path}: cannot be read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${path}: not valid JSON: ${(e as Error).message}`);
  }
}

function fmt(v: number | null, digits = 2, scale = 1, unit = ""): string {
  return v === null ? "–" : `${(v * scale).toFixed(digits)}${unit}`;
}

/** Runs the command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values: a } = parseArgs({
    args: argv,
    strict: true,
    options: {
      csv: { type: "string" },
      funding: { type: "string" },
      source: { type: "string" },
      symbol: { type: "string" },
      interval: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      config: { type: "string" },
      strategy: { type: "string" },
      profile: { type: "string" },
      settings: { type: "string" },
      "risk-pct": { type: "string" },
      "max-leverage": { type: "string" },
      "taker-fee": { type: "string" },
      "maker-fee": { type: "string" },
      "slippage-bps": { type: "string" },
      "initial-equity": { type: "string" },
      "min-notional": { type: "string" },
      "ruin-pct": { type: "string" },
      entry: { type: "string" },
      "no-reverse": { type: "boolean" },
      "tp-market": { type: "boolean" },
      json: { type: "string" },
      html: { type: "string" },
      progress: { type: "boolean" },
      "per-candle": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (a.help) {
    console.log(USAGE);
    return 0;
  }
  if ((a.csv === undefined) === (a.source === undefined)) {
    throw new UsageError("give exactly one of --csv FILE or --source KIND[:ID]");
  }
  if (a.interval !== undefined && !isInterval(a.interval)) {
    throw new UsageError(`--interval "${a.interval}" is not an interval`);
  }
  const from = parseTime(a.from, "--from");
  const to = parseTime(a.to, "--to");
  if (from !== undefined && to !== undefined && from > to) {
    throw new UsageError("--from is after --to");
  }

  const fileSettings = a.settings === undefined ? {} : await readJson(a.settings, "settings");
  if (fileSettings === null || typeof fileSettings !== "object" || Array.isArray(fileSettings)) {
    throw new UsageError(`settings ${a.settings}: must hold a JSON object`);
  }
  const overrides: BacktestConfigInput = {
    risk_pct: parseNum(a["risk-pct"], "--risk-pct"),
    max_leverage: parseNum(a["max-leverage"], "--max-leverage"),
    taker_fee: parseNum(a["taker-fee"], "--taker-fee"),
    maker_fee: parseNum(a["maker-fee"], "--maker-fee"),
    slippage_bps: parseNum(a["slippage-bps"], "--slippage-bps"),
    initial_equity: parseNum(a["initial-equity"], "--initial-equity"),
    min_notional: parseNum(a["min-notional"], "--min-notional"),
    ruin_pct: parseNum(a["ruin-pct"], "--ruin-pct"),
    entry: a.entry as BacktestConfigInput["entry"],
    reverse_on_opposite: a["no-reverse"] ? false : undefined,
    take_profit_order: a["tp-market"] ? "market" : undefined,
  };
  const settings = parseBacktestConfig({
    ...fileSettings,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  });

  const symbol = a.symbol ?? "BTC";
  let data: MarketData;
  let interval: Interval;
  /** First and last candle time of the CSV file, for the empty-range message. */
  let span: [number, number] | undefined;
  if (a.csv !== undefined) {
    const csv = await loadCsvMarket(a.csv, a.funding, a.interval as Interval | undefined);
    ({ interval } = csv);
    data = csv;
    const all = csv.candles;
    if (all.length > 0) span = [all[0].time, all[all.length - 1].time];
    if (to !== undefined) data.candles = clip(data.candles, -Infinity, to);
  } else {
    if (a.interval === undefined || a.symbol === undefined || from === undefined) {
      throw new UsageError("--source needs --symbol, --interval and --from");
    }
    interval = a.interval as Interval;
    const [kind, id] = a.source!.split(":", 2);
    if (kind !== "store" && kind !== "provider") {
      throw new UsageError(`--source "${a.source}": use store[:ID] or provider[:ID]`);
    }
    const config = buildConfig(a.config ? await readJson(a.config, "config") : {}, readEnv);
    const csvFunding = a.funding ? await loadFundingCsv(a.funding) : undefined;
    data = await loadPluginData({
      kind,
      id: id ?? (kind === "store" ? config.store : "hyperliquid"),
      symbol,
      interval,
      from,
      to: to ?? Date.now(),
      config,
      funding: csvFunding,
      fundingLabel: a.funding,
    });
  }
  // Candles before --from only warm the engine up: with none at or after it nothing is traded,
  // which is the same mistake as an empty --to range and must not pass as an empty report.
  const c = data.candles;
  if (c.length === 0 || from !== undefined && c[c.length - 1].time < from) {
    const iso = (t: number | undefined, open: string) =>
      t === undefined ? open : new Date(t).toISOString();
    throw new UsageError(
      `no candles in the selected range ${iso(from, "(start)")} .. ${iso(to, "(end)")}` +
        (span ? ` (the data covers ${iso(span[0], "")} .. ${iso(span[1], "")})` : ""),
    );
  }

  const strategyId = a.strategy ?? (a.profile ? "custom" : "default");
  const profile = a.profile ? await readJson(a.profile, "profile") : undefined;
  const strategy = await compileBacktestStrategy(strategyId, profile);
  const series = await engineSeries(symbol, interval, strategy);

  const bar = progressWanted(a.progress === true)
    ? new ProgressBar({ total: data.candles.length, label: `${symbol} ${interval}` })
    : undefined;
  const result = runBacktest({
    symbol,
    interval,
    candles: data.candles,
    funding: data.funding,
    series,
    config: settings,
    tradeFrom: from,
    onProgress: bar ? (done) => bar.update(done) : undefined,
    progressEvery: 16_384,
    perCandle: a["per-candle"] === true,
  });
  bar?.finish();

  const f = data.funding;
  const report = await buildJsonReport(
    result,
    {
      candles: data.candlesLabel,
      funding: data.fundingLabel,
      strategy: strategyId,
      engine_version: ENGINE_VERSION,
    },
    settings,
    f.length > 0
      ? { first: f[0].time, last: f[f.length - 1].time + f[f.length - 1].periodHours * 3_600_000 }
      : null,
  );
  if (a.json !== undefined) {
    const text = JSON.stringify(report, null, 2) + "\n";
    if (a.json === "-") await Deno.stdout.write(new TextEncoder().encode(text));
    else await Deno.writeTextFile(a.json, text);
  }
  if (a.html !== undefined) {
    await Deno.writeTextFile(a.html, await renderHtmlReport(report, result, data.candles));
  }
  if (a.json !== "-") {
    const p = report.performance;
    const s = report.trades_summary;
    const c = report.costs;
    console.log(
      [
        `${symbol} ${interval} ${strategyId}: ${report.run.from} → ${report.run.to}, ` +
        `${result.candles_traded} candles`,
        `return ${fmt(p.total_return, 2, 100, " %")}  CAGR ${fmt(p.cagr, 2, 100, " %")}  ` +
        `Sharpe ${fmt(p.sharpe)}  Sortino ${fmt(p.sortino)}  max DD ${
          fmt(p.max_drawdown, 2, 100, " %")
        } (${(p.max_drawdown_duration_ms / 86_400_000).toFixed(1)} d)  Calmar ${fmt(p.calmar)}`,
        `trades ${s.trades}  win ${fmt(s.win_rate, 1, 100, " %")}  PF ${fmt(s.profit_factor)}  ` +
        `expectancy ${fmt(s.expectancy)}  avg win ${fmt(s.avg_win)}  avg loss ${
          fmt(s.avg_loss)
        }  exposure ${s.exposure_pct.toFixed(1)} %`,
        `fees ${c.fees.toFixed(2)}  funding paid ${c.funding_paid.toFixed(2)} received ${
          c.funding_received.toFixed(2)
        }  slippage ${c.slippage.toFixed(2)}  ambiguous candles ${c.ambiguous_candles} (SL first)`,
        ...report.caveats.map((x) => `note: ${x}`),
        `trades hash ${report.trades_hash}`,
      ].join("\n"),
    );
  }
  return 0;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    const err = e as Error;
    console.error(`backtest: ${err.message}`);
    if (
      e instanceof UsageError || err.name === "TypeError" && /option|argument/i.test(err.message)
    ) {
      console.error(USAGE);
      code = 2;
    } else code = 1;
  }
  Deno.exit(code);
}
