/**
 * Ingest's path for a closed candle: store it (flushed when workers in other processes read it),
 * announce it on the bus, queue its evaluation job. The provider delivers each closed candle once,
 * and a candle that never reaches the store is invisible to the sweep, so a failed write is not
 * the end of it:
 * - each step is retried in place with exponential backoff (`attempts` tries, waits capped), inside
 *   the series' chain, so candles of one series are still stored and queued in order;
 * - a candle still failing is parked in a bounded per-series buffer and tried again (one try, so a
 *   long outage never holds the chain) before the series' next candle and at every sweep tick;
 * - a candle the store refuses as malformed is dropped at once (retrying cannot fix it), as is the
 *   oldest parked candle when a series' buffer is full; both are logged and counted.
 * @module
 */
import { type Candle, CandleError } from "../core/candle.ts";
import type { Interval } from "../core/interval.ts";
import type { Logger } from "../core/log.ts";
import { counter, gauge } from "../core/metrics.ts";
import type { Store } from "../core/store.ts";
import { seriesKey } from "./eval_job.ts";
import { backoffDelay, type EvalQueue } from "./queue.ts";
import { SeriesQueue } from "./series_queue.ts";
import { inSpan, traceparentOf } from "./tracing.ts";

/** Ingest metrics. */
export const ingestMetrics = {
  candles: counter("perptrix_ingest_candles_total", "Closed candles received", ["interval"]),
  announceFailed: counter(
    "perptrix_ingest_announce_failures_total",
    "Closed candles stored but not queued (the sweep retries them)",
  ),
  retries: counter(
    "perptrix_ingest_retries_total",
    "Failed tries to store or queue a closed candle that were retried",
  ),
  pending: gauge(
    "perptrix_ingest_pending_candles",
    "Closed candles not yet stored or queued, waiting for the store or queue to come back",
  ),
  dropped: counter(
    "perptrix_ingest_dropped_candles_total",
    "Closed candles given up: refused as malformed, or pushed out of a full pending buffer",
    ["reason"],
  ),
};

/** Options of {@linkcode IngestPipeline}. */
export interface IngestOptions {
  store: Store;
  queue: EvalQueue;
  /** Flush after each write, so workers in other processes can read the candle at once. */
  flushEach: boolean;
  /** Announces a stored candle (never throws). */
  publish?: (symbol: string, interval: Interval, candle: Candle) => Promise<unknown>;
  /** Tries per candle before it is parked, the first included. */
  attempts: number;
  /** Wait before the second try; doubled for every further one. */
  backoffMs: number;
  /** Longest single wait between tries. */
  maxBackoffMs?: number;
  /** Candles parked per series; beyond it the oldest is dropped. */
  maxPendingPerSeries?: number;
  logger: Logger;
  /** Clock (epoch ms) for `closedAt`. */
  now?: () => number;
}

interface Parked {
  candle: Candle;
  closedAt: number;
  /** Stored (and announced) already: only the queueing is left. */
  stored: boolean;
}

interface SeriesState {
  symbol: string;
  interval: Interval;
  parked: Parked[];
}

/** The per-series, retrying write path of closed candles. */
export class IngestPipeline {
  readonly #o: IngestOptions;
  readonly #chains = new SeriesQueue();
  readonly #series = new Map<string, SeriesState>();
  readonly #closing = new AbortController();
  #parkedTotal = 0;

  constructor(opts: IngestOptions) {
    this.#o = opts;
  }

  /** Closed candles waiting to be stored or queued, over all series. */
  get pending(): number {
    return this.#parkedTotal;
  }

  /**
   * Takes one closed candle; resolves once it and every candle parked before it in its series are
   * stored and queued, or once it is parked. Never rejects.
   */
  closed(symbol: string, interval: Interval, candle: Candle): Promise<void> {
    ingestMetrics.candles.inc({ interval });
    const closedAt = (this.#o.now ?? Date.now)();
    const key = seriesKey(symbol, interval);
    return this.#chains.enqueue(key, () => {
      const st = this.#state(key, symbol, interval);
      const max = this.#o.maxPendingPerSeries ?? 1000;
      if (st.parked.length >= max) {
        const lost = st.parked.shift()!;
        this.#count(-1);
        ingestMetrics.dropped.inc({ reason: "overflow" });
        this.#o.logger.error("closed candle dropped: pending buffer full", {
          symbol,
          interval,
          time: lost.candle.time,
          max,
        });
      }
      // A series already parking candles is known to be failing: one try, so that the chain
      // never waits out a long outage candle by candle.
      const tries = st.parked.length > 0 ? 1 : this.#o.attempts;
      st.parked.push({ candle, closedAt, stored: false });
      this.#count(1);
      return this.#drain(st, tries);
    }).catch((e) =>
      this.#o.logger.error("closed candle not processed", { symbol, interval, error: e })
    );
  }

  /** Tries the parked candles of every series again (one try each); the sweep tick calls it. */
  async retryPending(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const [key, st] of this.#series) {
      if (st.parked.length === 0) continue;
      waits.push(this.#chains.enqueue(key, () => this.#drain(st, 1)).catch(() => {}));
    }
    await Promise.all(waits);
  }

  /** Stops waiting between tries; logs candles still parked (they are not written). */
  close(): void {
    this.#closing.abort();
    if (this.#parkedTotal > 0) {
      this.#o.logger.warn("closed candles not stored or queued at shutdown", {
        candles: this.#parkedTotal,
      });
    }
  }

  #state(key: string, symbol: string, interval: Interval): SeriesState {
    let st = this.#series.get(key);
    if (!st) this.#series.set(key, st = { symbol, interval, parked: [] });
    return st;
  }

  #count(d: number): void {
    this.#parkedTotal += d;
    ingestMetrics.pending.set(this.#parkedTotal);
  }

  /** Delivers parked candles oldest first; stops at the first that still fails (order). */
  async #drain(st: SeriesState, tries: number): Promise<void> {
    while (st.parked.length > 0) {
      const p = st.parked[0];
      const done = await inSpan(
        "ingest.candle",
        {
          "perptrix.symbol": st.symbol,
          "perptrix.interval": st.interval,
          "perptrix.time": p.candle.time,
        },
        undefined,
        (span) => this.#deliver(st, p, tries, traceparentOf(span)),
      );
      if (!done) return;
      st.parked.shift();
      this.#count(-1);
    }
  }

  /** Stores, announces and queues one candle with up to `tries` tries; false when it failed. */
  async #deliver(
    st: SeriesState,
    p: Parked,
    tries: number,
    traceparent: string | undefined,
  ): Promise<boolean> {
    const { store, queue, logger } = this.#o;
    const { symbol, interval } = st;
    for (let attempt = 1;; attempt++) {
      try {
        if (!p.stored) {
          await store.upsertCandles(symbol, interval, [p.candle]);
          if (this.#o.flushEach) await store.flush();
          p.stored = true;
          if (this.#o.publish) await this.#o.publish(symbol, interval, p.candle);
        }
        await queue.enqueue({
          symbol,
          interval,
          candle: p.candle,
          closedAt: p.closedAt,
          traceparent,
        });
        return true;
      } catch (e) {
        if (!p.stored && malformed(e)) {
          ingestMetrics.dropped.inc({ reason: "invalid" });
          logger.error("closed candle refused by the store; dropped", {
            symbol,
            interval,
            time: p.candle.time,
            error: e,
          });
          return true;
        }
        if (attempt >= tries || this.#closing.signal.aborted) {
          if (p.stored) ingestMetrics.announceFailed.inc();
          logger.warn(
            p.stored
              ? "closed candle stored but not queued; kept for the next try"
              : "closed candle not stored; kept for the next try",
            { symbol, interval, time: p.candle.time, tries: attempt, error: e },
          );
          return false;
        }
        ingestMetrics.retries.inc();
        const wait = Math.min(this.#o.maxBackoffMs ?? 5000, backoffDelay(this.#o, attempt));
        await sleep(wait, this.#closing.signal);
      }
    }
  }
}

/** A write the store refused for its input, which no retry can fix. */
function malformed(e: unknown): boolean {
  return e instanceof CandleError || (e instanceof Error && e.name === "StoreInputError");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
