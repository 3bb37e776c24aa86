/**
 * The missed-candle sweep, scheduled with `Deno.cron` (`--unstable-cron`). Event-driven
 * evaluation is the normal path; the sweep re-announces every recently closed, stored candle that
 * has no signal yet, so a candle whose announcement was lost (Redis blip, ingest crash between
 * store and enqueue) is still evaluated. Re-announcing is safe: job ids are deterministic, so a
 * candle whose job is queued, running or done is not queued again.
 * @module
 */
import type { Config } from "../core/config.ts";
import { type Interval, intervalMs, nextOpenTime } from "../core/interval.ts";
import type { Logger } from "../core/log.ts";
import { counter } from "../core/metrics.ts";
import type { Store } from "../core/store.ts";
import type { EvalQueue } from "./queue.ts";

/** Candles re-announced by sweeps. */
export const sweptCandles = counter(
  "perptrix_sweep_enqueued_total",
  "Closed candles without a signal re-announced by the sweep",
);
const sweepRuns = counter("perptrix_sweep_runs_total", "Sweeps run", ["result"]);

/** What one sweep needs. */
export interface SweepOptions {
  config: Config;
  store: Store;
  queue: EvalQueue;
  logger: Logger;
  /** Clock (epoch ms); tests pin it. */
  now?: () => number;
  /** How far back to look; default 3 sweep periods or 3 candles, whichever is longer. */
  lookbackMs?: (interval: Interval) => number;
}

/** Most candles one series contributes to a sweep. */
export const SWEEP_MAX_PER_SERIES = 500;

function defaultLookback(config: Config, interval: Interval): number {
  return Math.max(3 * config.eval_interval_seconds * 1000, 3 * intervalMs(interval));
}

/** Runs one sweep; returns the number of candles announced. Never throws for one bad series. */
export async function sweep(opts: SweepOptions): Promise<number> {
  const { config, store, queue, logger } = opts;
  const now = (opts.now ?? Date.now)();
  let announced = 0;
  for (const symbol of config.symbols) {
    for (const interval of config.intervals) {
      try {
        const from = now - (opts.lookbackMs?.(interval) ?? defaultLookback(config, interval));
        const candles = await store.candles(symbol, interval, {
          from,
          limit: SWEEP_MAX_PER_SERIES,
        });
        if (candles.length === 0) continue;
        const signals = await store.signals(symbol, interval, {
          from,
          limit: SWEEP_MAX_PER_SERIES,
        });
        const done = new Set(signals.map((s) => s.time));
        for (const candle of candles) {
          const closeTime = nextOpenTime(interval, candle.time);
          if (closeTime > now || done.has(candle.time)) continue;
          await queue.enqueue({ symbol, interval, candle, closedAt: closeTime });
          announced++;
        }
      } catch (e) {
        logger.warn("sweep of a series failed", { symbol, interval, error: e });
      }
    }
  }
  sweptCandles.inc(announced);
  return announced;
}

/**
 * The `Deno.cron` schedule for a period in seconds, or undefined when cron (minute resolution)
 * cannot express it and a timer is used instead.
 */
export function cronForSeconds(seconds: number): string | undefined {
  if (seconds % 60 !== 0) return undefined;
  const minutes = seconds / 60;
  if (minutes < 60 && 60 % minutes === 0) {
    return minutes === 1 ? "* * * * *" : `*/${minutes} * * * *`;
  }
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    if (hours < 24 && 24 % hours === 0) return hours === 1 ? "0 * * * *" : `0 */${hours} * * *`;
    if (hours === 24) return "0 0 * * *";
  }
  return undefined;
}

/** A running schedule. */
export interface SweepSchedule {
  /** `cron` with its expression, or `timer` with its period. */
  readonly how: string;
  stop(): void;
}

type CronFn = (
  name: string,
  schedule: string,
  options: { signal?: AbortSignal; backoffSchedule?: number[] },
  handler: () => Promise<void> | void,
) => Promise<void>;

/**
 * Schedules `run` from `config.eval_cron`, else from `eval_interval_seconds` (cron when it is a
 * whole number of minutes dividing the hour or day, else a timer). Overlapping runs are skipped.
 */
export function scheduleSweep(
  config: Config,
  run: () => Promise<unknown>,
  logger: Logger,
  name = "perptrix-sweep",
): SweepSchedule {
  let running = false;
  const guarded = async () => {
    if (running) return;
    running = true;
    try {
      await run();
      sweepRuns.inc({ result: "ok" });
    } catch (e) {
      sweepRuns.inc({ result: "error" });
      logger.warn("sweep failed", { error: e });
    } finally {
      running = false;
    }
  };
  const expr = config.eval_cron.trim() || cronForSeconds(config.eval_interval_seconds);
  const cron = (Deno as unknown as { cron?: CronFn }).cron;
  if (expr !== undefined && typeof cron === "function") {
    const ac = new AbortController();
    cron(name, expr, { signal: ac.signal, backoffSchedule: [] }, guarded).catch((e) =>
      logger.error("sweep schedule failed", { error: e })
    );
    return { how: `cron ${expr}`, stop: () => ac.abort() };
  }
  if (config.eval_cron.trim() !== "") {
    throw new Error("eval_cron needs Deno.cron: run with --unstable-cron");
  }
  const period = config.eval_interval_seconds * 1000;
  const t = setInterval(guarded, period);
  return { how: `timer ${period} ms`, stop: () => clearInterval(t) };
}
