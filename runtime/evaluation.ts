/**
 * The worker's job handler: turns one evaluation job into at most one stored signal.
 *
 * Each series keeps a streaming evaluator. A job whose candle directly follows the evaluator's last
 * candle (the common case: one worker, or jobs arriving in order) is one O(1) update. Any other
 * job (a worker that sees only every other candle of a series, a retry, a job from before a
 * restart) rebuilds the series from the store: a fresh evaluator fed the `historyCount` candles
 * (at least the strategy's warm-up plus one) before the job's candle, then the candle itself. So any worker, in any order, computes the
 * signal from the same candles, and a retried job rewrites the same record (stores upsert by
 * (symbol, interval, time, strategy)).
 * @module
 */
import type { Context } from "@opentelemetry/api";
import { type Interval, nextOpenTime } from "../core/interval.ts";
import type { Logger } from "../core/log.ts";
import { counter, histogram } from "../core/metrics.ts";
import type { SignalRecord } from "../core/signal.ts";
import type { Store } from "../core/store.ts";
import type { EvalJob } from "./eval_job.ts";
import { seriesKey } from "./eval_job.ts";
import type { Evaluator } from "./evaluator.ts";
import { SeriesQueue } from "./series_queue.ts";
import { contextFromTraceparent, inSpan } from "./tracing.ts";

/** Evaluation metrics (names shared with the rest of the runtime). */
export const evaluationMetrics = {
  evaluations: counter("perptrix_evaluations_total", "Signal evaluations", ["result"]),
  duration: histogram("perptrix_evaluation_duration_seconds", "Evaluation time"),
  latency: histogram(
    "perptrix_candle_to_signal_seconds",
    "From candle close (receipt by ingest) to stored signal",
  ),
  rebuilds: counter(
    "perptrix_evaluation_rebuilds_total",
    "Series states rebuilt from stored candles (non-contiguous job)",
  ),
};

/** What the runner needs. */
export interface EvaluationOptions {
  store: Store;
  /** Creates a fresh evaluator (one per series is kept). */
  makeEvaluator: () => Evaluator;
  /**
   * Candles fed before the job's candle when a series is rebuilt (raised to the evaluator's
   * warm-up plus one, see {@linkcode historyFor}).
   */
  historyCount: number;
  logger: Logger;
  /** Series states kept (least recently created dropped first). */
  maxSeries?: number;
  /** Called with each stored signal (e.g. to announce it). */
  onSignal?: (signal: SignalRecord) => void;
}

interface SeriesState {
  evaluator: Evaluator;
  /** Open time of the last candle fed. */
  last: number;
}

/** Most candles a rebuild reads (the largest `historical_candle_count`). */
export const MAX_HISTORY = 5000;

/**
 * Candles fed before the job's candle when a series is rebuilt: `historyCount`, but at least the
 * strategy's warm-up plus one, so a small `historical_candle_count` cannot keep a worker that
 * sees non-contiguous jobs (split roles) in warm-up forever.
 */
export function historyFor(
  evaluator: Evaluator,
  symbol: string,
  interval: Interval,
  historyCount: number,
): number {
  const warm = evaluator.warmup?.(symbol, interval) ?? 0;
  return Math.min(MAX_HISTORY, Math.max(historyCount, Math.ceil(warm) + 1));
}

/** Handles evaluation jobs. */
export class EvaluationRunner {
  readonly #opts: EvaluationOptions;
  readonly #series = new Map<string, SeriesState>();
  readonly #chains = new SeriesQueue();

  constructor(opts: EvaluationOptions) {
    this.#opts = opts;
  }

  /** Evaluates one job; resolves with the stored signal (undefined during warm-up). */
  run(job: EvalJob): Promise<SignalRecord | undefined> {
    let out: SignalRecord | undefined;
    return this.#chains.enqueue(seriesKey(job.symbol, job.interval), async () => {
      out = await inSpan(
        "evaluate",
        {
          "perptrix.symbol": job.symbol,
          "perptrix.interval": job.interval,
          "perptrix.time": job.candle.time,
        },
        contextFromTraceparent(job.traceparent),
        (_span, ctx) => this.#evaluate(job, ctx),
      );
    }).then(() => out);
  }

  async #contiguous(job: EvalJob, st: SeriesState | undefined): Promise<boolean> {
    if (!st || st.last >= job.candle.time) return false;
    if (nextOpenTime(job.interval, st.last) === job.candle.time) return true;
    // A gap in open times is normal (no trades, no candle): ask the store what came before.
    const prev = await this.#opts.store.candles(job.symbol, job.interval, {
      to: job.candle.time - 1,
      limit: 1,
    });
    return prev.length === 1 && prev[0].time === st.last;
  }

  async #evaluate(job: EvalJob, ctx: Context): Promise<SignalRecord | undefined> {
    const { store } = this.#opts;
    const { symbol, interval, candle } = job;
    const key = seriesKey(symbol, interval);
    const m = evaluationMetrics;
    let st = this.#series.get(key);
    const t0 = performance.now();
    let signal: SignalRecord | undefined;
    try {
      if (!(await this.#contiguous(job, st))) {
        m.rebuilds.inc();
        const evaluator = this.#opts.makeEvaluator();
        const history = await store.candles(symbol, interval, {
          to: candle.time - 1,
          limit: historyFor(evaluator, symbol, interval, this.#opts.historyCount),
        });
        st = { evaluator, last: -Infinity };
        for (const c of history) {
          st.evaluator.update(symbol, interval, c);
          st.last = c.time;
        }
        this.#remember(key, st);
      }
      signal = st!.evaluator.update(symbol, interval, candle);
      st!.last = candle.time;
    } catch (e) {
      this.#series.delete(key); // state is suspect: the retry rebuilds it
      m.evaluations.inc({ result: "error" });
      throw e;
    }
    m.duration.observe((performance.now() - t0) / 1000);
    if (!signal) {
      m.evaluations.inc({ result: "warmup" });
      return undefined;
    }
    await inSpan(
      "store.upsertSignals",
      { "perptrix.symbol": symbol },
      ctx,
      () => store.upsertSignals([signal]),
    );
    m.evaluations.inc({ result: "ok" });
    m.latency.observe(Math.max(0, Date.now() - job.closedAt) / 1000);
    this.#opts.onSignal?.(signal);
    return signal;
  }

  #remember(key: string, st: SeriesState): void {
    this.#series.delete(key);
    const max = this.#opts.maxSeries ?? 50_000;
    if (this.#series.size >= max) this.#series.delete(this.#series.keys().next().value!);
    this.#series.set(key, st);
  }
}
