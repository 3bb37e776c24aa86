/**
 * The machine-readable backtest report. It holds no wall-clock time, so the same input gives a
 * byte-identical file; `trades_hash` fingerprints the trade list alone.
 * @module
 */
import type { BacktestConfig } from "./config.ts";
import { curveSample } from "./downsample.ts";
import { tradesHash } from "./hash.ts";
import type { Performance, TradeStats } from "./metrics.ts";
import type { Trade } from "./model.ts";
import type { BacktestResult } from "./run.ts";

/** How an ambiguous candle is resolved, stated in every report. */
export const AMBIGUITY_RULE =
  "A candle that touches both the stop-loss and the take-profit is resolved as stop-loss first " +
  "(intrabar order unknown; the conservative assumption). Such candles are counted.";

/** Where the data came from and what produced the signals. */
export interface ReportSource {
  candles: string;
  funding: string | null;
  strategy: string;
  engine_version: string;
}

/** The JSON report. Times are epoch ms; money is in quote currency. */
export interface BacktestReport {
  kind: "perptrix.backtest";
  version: 1;
  run: {
    symbol: string;
    interval: string;
    from: string | null;
    to: string | null;
    candles_total: number;
    candles_traded: number;
    source: ReportSource;
    config: BacktestConfig;
  };
  performance: Performance;
  trades_summary: TradeStats;
  costs: {
    fees: number;
    funding_paid: number;
    funding_received: number;
    /** Paid minus received. */
    funding_net: number;
    funding_settlements: number;
    slippage: number;
    ambiguous_candles: number;
    ambiguity_rule: string;
  };
  signals: BacktestResult["signals"];
  model: {
    entry_signals: number;
    skipped_no_stop: number;
    leverage_capped: number;
    /** Entries skipped because their notional was below `min_notional`. */
    skipped_min_notional: number;
    unfilled_at_end: number;
    ruined: boolean;
    /** When equity fell below the ruin threshold (ISO), `null` if it never did. */
    ruined_at: string | null;
  };
  /** Notes a reader must see, e.g. funding data not covering the traded span. */
  caveats: string[];
  trades_hash: string;
  trades: Trade[];
  /** The equity curve thinned to at most ~2 000 points: [time ms, equity]. */
  equity_sample: [number, number][];
}

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

/** Caveats derived from the result, the settings and the funding coverage. */
export function caveats(
  r: BacktestResult,
  fundingRange: { first: number; last: number } | null,
  config: BacktestConfig,
): string[] {
  const out: string[] = [];
  if (r.totals.ambiguous_candles > 0) {
    out.push(`${r.totals.ambiguous_candles} candle(s) touched both SL and TP: stop-loss assumed.`);
  }
  if (fundingRange === null) out.push("No funding data: funding costs are not included.");
  else if (r.from !== null && r.to !== null) {
    if (fundingRange.first > r.from || fundingRange.last < r.to) {
      out.push(
        `Funding data covers ${iso(fundingRange.first)} .. ${iso(fundingRange.last)}, not the ` +
          `whole traded span ${iso(r.from)} .. ${iso(r.to)}: no funding is charged outside it.`,
      );
    }
  }
  if (r.totals.skipped_no_stop > 0) {
    out.push(`${r.totals.skipped_no_stop} entry signal(s) had no stop-loss and were not traded.`);
  }
  if (r.totals.skipped_min_notional > 0) {
    out.push(
      `${r.totals.skipped_min_notional} entry signal(s) were not traded: the position would have ` +
        `been below the minimum order value of ${config.min_notional}.`,
    );
  }
  if (r.totals.ruined) {
    out.push(
      `Ruined at ${iso(r.totals.ruined_at)}: equity fell below ${config.ruin_pct} % of the ` +
        `initial ${config.initial_equity}; no trade was opened after that.`,
    );
  }
  return out;
}

/** Builds the report (async only for the SHA-256 of the trade list). */
export async function buildJsonReport(
  r: BacktestResult,
  source: ReportSource,
  config: BacktestConfig,
  fundingRange: { first: number; last: number } | null,
): Promise<BacktestReport> {
  const t = r.totals;
  return {
    kind: "perptrix.backtest",
    version: 1,
    run: {
      symbol: r.symbol,
      interval: r.interval,
      from: iso(r.from),
      to: iso(r.to),
      candles_total: r.candles_total,
      candles_traded: r.candles_traded,
      source,
      config,
    },
    performance: r.performance,
    trades_summary: r.stats,
    costs: {
      fees: t.fees,
      funding_paid: t.funding_paid,
      funding_received: t.funding_received,
      funding_net: t.funding_paid - t.funding_received,
      funding_settlements: t.funding_settlements,
      slippage: t.slippage,
      ambiguous_candles: t.ambiguous_candles,
      ambiguity_rule: AMBIGUITY_RULE,
    },
    signals: r.signals,
    model: {
      entry_signals: t.entry_signals,
      skipped_no_stop: t.skipped_no_stop,
      leverage_capped: t.leverage_capped,
      skipped_min_notional: t.skipped_min_notional,
      unfilled_at_end: t.unfilled_at_end,
      ruined: t.ruined,
      ruined_at: iso(t.ruined_at),
    },
    caveats: caveats(r, fundingRange, config),
    trades_hash: await tradesHash(r.trades),
    trades: r.trades,
    equity_sample: curveSample(r.equity, 2000).map((i) => [r.equity_times[i], r.equity[i]]),
  };
}
