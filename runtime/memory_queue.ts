/**
 * The in-process evaluation queue for `--role all` without Redis: jobs of one series run in
 * order, different series concurrently; retries with exponential backoff; a bounded dead-letter
 * list; duplicate ids within the remembered window are ignored, except a dead-lettered one: its id is
 * forgotten so the sweep can announce the candle again once the cause (a store outage) is gone.
 * @module
 */
import type { Health } from "../core/health.ts";
import { type EvalJob, evalJobId, seriesKey } from "./eval_job.ts";
import {
  backoffDelay,
  type DeadLetter,
  type EvalHandler,
  type EvalQueue,
  type QueueCounts,
  queueMetrics,
  recordDepth,
  type RetryPolicy,
} from "./queue.ts";
import { SeriesQueue } from "./series_queue.ts";
import { InFlight } from "./inflight.ts";

/** Options of {@linkcode MemoryEvalQueue}. */
export interface MemoryQueueOptions extends RetryPolicy {
  /** Job ids remembered for deduplication (oldest forgotten first). */
  rememberIds?: number;
  /** Jobs held before a consumer starts; beyond it enqueue rejects. */
  maxPending?: number;
  onError?: (job: EvalJob, error: unknown, final: boolean) => void;
}

/** The in-process queue. */
export class MemoryEvalQueue implements EvalQueue {
  readonly kind = "memory" as const;
  readonly #opts: MemoryQueueOptions;
  readonly #seen = new Map<string, true>();
  /** Ids dead-lettered and not announced since (for the requeued metric), bounded. */
  readonly #deadIds = new Set<string>();
  readonly #series = new SeriesQueue();
  readonly #inflight = new InFlight();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #dead: DeadLetter[] = [];
  #pending: EvalJob[] = [];
  #handler: EvalHandler | undefined;
  #waiting = 0;
  #active = 0;
  #closed = false;

  constructor(opts: MemoryQueueOptions) {
    this.#opts = opts;
  }

  enqueue(job: EvalJob): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("queue is closed"));
    const id = evalJobId(job.symbol, job.interval, job.candle.time);
    if (this.#seen.has(id)) return Promise.resolve();
    const max = this.#opts.rememberIds ?? 200_000;
    if (this.#seen.size >= max) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(id, true);
    if (this.#deadIds.delete(id)) queueMetrics.requeued.inc({ queue: this.kind });
    queueMetrics.enqueued.inc({ queue: this.kind });
    if (!this.#handler) {
      if (this.#pending.length >= (this.#opts.maxPending ?? 100_000)) {
        this.#seen.delete(id);
        return Promise.reject(new Error("queue full: no consumer is running"));
      }
      this.#pending.push(job);
    } else this.#run(job, 1);
    return Promise.resolve();
  }

  consume(handler: EvalHandler): void {
    if (this.#handler) throw new Error("consume() was already called");
    this.#handler = handler;
    const pending = this.#pending;
    this.#pending = [];
    for (const j of pending) this.#run(j, 1);
  }

  #run(job: EvalJob, attempt: number): void {
    const handler = this.#handler!;
    this.#waiting++;
    this.#inflight.run(
      () =>
        this.#series.enqueue(seriesKey(job.symbol, job.interval), async () => {
          this.#waiting--;
          this.#active++;
          try {
            await handler(job);
          } catch (e) {
            this.#failed(job, attempt, e);
          } finally {
            this.#active--;
          }
        }),
      () => {/* handler errors are caught above */},
    );
  }

  #failed(job: EvalJob, attempt: number, e: unknown): void {
    const final = attempt >= this.#opts.attempts || this.#closed;
    this.#opts.onError?.(job, e, final);
    if (!final) {
      queueMetrics.retries.inc({ queue: this.kind });
      const t = setTimeout(() => {
        this.#timers.delete(t);
        this.#run(job, attempt + 1);
      }, backoffDelay(this.#opts, attempt));
      this.#timers.add(t);
      return;
    }
    queueMetrics.deadLetters.inc({ queue: this.kind });
    const id = evalJobId(job.symbol, job.interval, job.candle.time);
    // Forgotten, or the sweep's re-announcement would be deduplicated away and the candle would
    // never get a signal; the dead letter stays for operators.
    this.#seen.delete(id);
    this.#deadIds.add(id);
    if (this.#deadIds.size > this.#opts.deadLetterMax) {
      this.#deadIds.delete(this.#deadIds.values().next().value!);
    }
    this.#dead.unshift({
      id,
      job,
      error: e instanceof Error ? e.message : String(e),
      attempts: attempt,
      failed_at: Date.now(),
    });
    if (this.#dead.length > this.#opts.deadLetterMax) this.#dead.length = this.#opts.deadLetterMax;
  }

  counts(): Promise<QueueCounts> {
    const c = {
      waiting: this.#waiting + this.#pending.length,
      active: this.#active,
      delayed: this.#timers.size,
      failed: this.#dead.length,
    };
    recordDepth(this.kind, c);
    return Promise.resolve(c);
  }

  deadLetters(limit: number): Promise<DeadLetter[]> {
    return Promise.resolve(this.#dead.slice(0, Math.max(0, limit)));
  }

  health(): Promise<Health> {
    return Promise.resolve({ ok: !this.#closed, detail: "in-process queue", required: true });
  }

  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.#inflight.drain(timeoutMs);
  }
}
