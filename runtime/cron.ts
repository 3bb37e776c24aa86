/**
 * The missed-candle sweep, scheduled with `Deno.cron` (`--unstable-cron`). Event-driven
 * evaluation is the normal path; the sweep re-announces every recently closed, stored candle that
 * has no signal yet, so a candle whose announcement was lost (Redis blip, ingest crash between
 * store and enqueue, a job dead-lettered during a store outage) is still evaluated. Re-announcing
 * is safe: job ids are deterministic, so a candle whose job is queued, running or done is not
 * queued again. The window is 3 sweep periods (the longest gap between fire times for a cron),
 * read from the newest candle back in bounded pages.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { Config } from "../core/config.ts";
import { type Interval, intervalMs, nextOpenTime } from "../core/interval.ts";
import type { Logger } from "../core/log.ts";
import { counter } from "../core/metrics.ts";
import type { Store } from "../core/store.ts";
import { cronMaxGapMs } from "./cron_period.ts";
import type { EvalJob } from "./eval_job.ts";
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
  /** How far back to look; default {@linkcode defaultLookbackMs}. */
  lookbackMs?: (interval: Interval) => number;
}

/** Candles (and signals) read per store query; the window is read newest first in such pages. */
export const SWEEP_PAGE = 500;
/**
 * Pages read per series and sweep: bounds the work of one sweep (10 000 candles per series) when
 * the window is long (a daily cron over 1m candles); the newest candles are always covered.
 */
export const SWEEP_MAX_PAGES = 20;

const periods = new WeakMap<Config, number>();

/**
 * The longest time between two sweeps in ms: `eval_interval_seconds`, or for `eval_cron` the
 * longest gap between consecutive fire times (see {@linkcode cronMaxGapMs}).
 */
export function sweepPeriodMs(config: Config): number {
  let p = periods.get(config);
  if (p === undefined) {
    const expr = config.eval_cron.trim();
    p = expr === "" ? config.eval_interval_seconds * 1000 : cronMaxGapMs(expr);
    periods.set(config, p);
  }
  return p;
}

/**
 * How far back a sweep looks: 3 sweep periods (so a run that was skipped or failed is made up by
 * the next) or 3 candles, whichever is longer.
 */
export function defaultLookbackMs(config: Config, interval: Interval): number {
  return Math.max(3 * sweepPeriodMs(config), 3 * intervalMs(interval));
}

/**
 * The closed candles of one series in `[from, now]` without a signal, oldest first. Pages back from
 * the newest candle (a store returns the newest `limit` rows when no `from` is given), at most
 * {@linkcode SWEEP_MAX_PAGES} pages.
 */
async function unsignalled(
  store: Store,
  symbol: string,
  interval: Interval,
  from: number,
  now: number,
): Promise<Candle[]> {
  const found: Candle[][] = [];
  let to = now;
  for (let page = 0; page < SWEEP_MAX_PAGES && to >= from; page++) {
    const rows = await store.candles(symbol, interval, { to, limit: SWEEP_PAGE });
    const candles = rows.filter((c) => c.time >= from && nextOpenTime(interval, c.time) <= now);
    if (candles.length > 0) {
      // Signals of the page's span; a series may hold records of more than one strategy.
      const signals = await store.signals(symbol, interval, {
        from: candles[0].time,
        to: candles[candles.length - 1].time,
        limit: 4 * SWEEP_PAGE,
      });
      const done = new Set(signals.map((s) => s.time));
      found.push(candles.filter((c) => !done.has(c.time)));
    }
    if (rows.length < SWEEP_PAGE) break;
    to = rows[0].time - 1;
  }
  return found.reverse().flat();
}

/** Runs one sweep; returns the number of candles announced. Never throws for one bad series. */
export async function sweep(opts: SweepOptions): Promise<number> {
  const { config, store, queue, logger } = opts;
  const now = (opts.now ?? Date.now)();
  let announced = 0;
  for (const symbol of config.symbols) {
    for (const interval of config.intervals) {
      try {
        const from = now - (opts.lookbackMs?.(interval) ?? defaultLookbackMs(config, interval));
        for (const candle of await unsignalled(store, symbol, interval, from, now)) {
          const job: EvalJob = {
            symbol,
            interval,
            candle,
            closedAt: nextOpenTime(interval, candle.time),
          };
          await queue.enqueue(job);
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
