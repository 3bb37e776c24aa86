/**
 * The evaluation queue over Redis with BullMQ: deterministic job ids (an id already queued,
 * running or completed within `keep_completed_seconds` is not added again), `attempts` tries with
 * exponential backoff, crash recovery (a job whose worker stops renewing its lock for `lock_ms` is
 * handed to another worker), and a dead-letter list `<prefix>:evaluations:dead` holding every job
 * that used all its tries, with its last error. A dead-lettered job does not block its id: announcing
 * the candle again (the sweep) replaces the failed job with a fresh one.
 * @module
 */
import { type ConnectionOptions, type Job, Queue, UnrecoverableError, Worker } from "bullmq";
// @ts-types="../plugins/stores/_ioredis.d.ts"
import { Redis } from "ioredis";
import type { Health } from "../core/health.ts";
import { type Logger, redact } from "../core/log.ts";
import { type BadJobError, type EvalJob, evalJobId, parseEvalJob } from "./eval_job.ts";
import {
  type DeadLetter,
  type EvalHandler,
  type EvalQueue,
  type QueueCounts,
  queueMetrics,
  recordDepth,
  type RetryPolicy,
} from "./queue.ts";

/** Options of {@linkcode RedisEvalQueue}. */
export interface RedisQueueOptions extends RetryPolicy {
  url: string;
  /** Key prefix; the queue lives under `<prefix>:evaluations:*`. */
  prefix: string;
  /** Jobs one worker process runs at once. */
  concurrency: number;
  /** Lock lifetime of a running job; renewed at half of it while the worker lives. */
  lockMs: number;
  keepCompletedSeconds: number;
  /** Worker name recorded on each job it processes (`processedBy`). */
  workerName: string;
  logger: Logger;
  /** Per-command timeout of enqueue and bookkeeping calls. */
  commandTimeoutMs?: number;
}

const QUEUE_NAME = "evaluations";

function connect(url: string, blocking: boolean, logger: Logger, name: string): Redis {
  const client = new Redis(url, {
    // BullMQ needs unlimited retries on the blocking worker connection; the producer fails fast.
    maxRetriesPerRequest: blocking ? null : 1,
    enableOfflineQueue: true,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 10), 5000),
  });
  let down = false;
  client.on("error", (e: Error) => {
    if (down) return;
    down = true;
    logger.warn(`${name}: redis unavailable, reconnecting`, { error: redact(e.message) });
  });
  client.on("ready", () => {
    if (down) logger.info(`${name}: redis reconnected`);
    down = false;
  });
  return client;
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${what}: no answer from redis in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The BullMQ-backed queue. */
export class RedisEvalQueue implements EvalQueue {
  readonly kind = "redis" as const;
  readonly deadKey: string;
  readonly #opts: RedisQueueOptions;
  readonly #client: Redis;
  readonly #queue: Queue;
  #workerClient: Redis | undefined;
  #worker: Worker | undefined;
  readonly #cmdMs: number;

  constructor(opts: RedisQueueOptions) {
    this.#opts = opts;
    this.#cmdMs = opts.commandTimeoutMs ?? 5000;
    this.deadKey = `${opts.prefix}:${QUEUE_NAME}:dead`;
    this.#client = connect(opts.url, false, opts.logger, "queue");
    this.#queue = new Queue(QUEUE_NAME, {
      connection: this.#client as unknown as ConnectionOptions,
      prefix: opts.prefix,
    });
    this.#queue.on("error", (e: Error) => opts.logger.debug("queue error", { error: e }));
  }

  async enqueue(job: EvalJob): Promise<void> {
    const jobId = evalJobId(job.symbol, job.interval, job.candle.time);
    const requeued = await timeout(this.#add(jobId, job), this.#cmdMs, "enqueue");
    if (requeued) queueMetrics.requeued.inc({ queue: this.kind });
    queueMetrics.enqueued.inc({ queue: this.kind });
  }

  /** Adds the job; true when a dead-lettered job with its id was queued again instead. */
  async #add(jobId: string, job: EvalJob): Promise<boolean> {
    // BullMQ keeps a failed job (removeOnFail) and ignores an add under its id, so a candle
    // dead-lettered during an outage could never be evaluated again: retry it instead, with its
    // attempts reset. The retry is one atomic move out of the failed set, so of two enqueues
    // racing on it exactly one succeeds (the other finds it no longer failed: nothing to add).
    // Its record stays in the dead-letter list.
    if ((await this.#queue.getJobState(jobId)) === "failed") {
      const failed = await this.#queue.getJob(jobId);
      if (failed !== undefined) {
        try {
          await failed.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
          return true;
        } catch {
          return false;
        }
      }
    }
    await this.#queue.add("evaluate", job, {
      jobId,
      attempts: this.#opts.attempts,
      backoff: { type: "exponential", delay: this.#opts.backoffMs },
      removeOnComplete: { age: this.#opts.keepCompletedSeconds },
      removeOnFail: { age: this.#opts.keepCompletedSeconds },
    });
    return false;
  }

  consume(handler: EvalHandler): void {
    if (this.#worker) throw new Error("consume() was already called");
    const log = this.#opts.logger;
    this.#workerClient = connect(this.#opts.url, true, log, "queue-worker");
    const worker = new Worker(
      QUEUE_NAME,
      async (job: Job) => {
        let data: EvalJob;
        try {
          data = parseEvalJob(job.data);
        } catch (e) {
          // A malformed payload fails the same way on every try: dead-letter it now.
          throw new UnrecoverableError((e as BadJobError).message);
        }
        await handler(data);
      },
      {
        connection: this.#workerClient as unknown as ConnectionOptions,
        prefix: this.#opts.prefix,
        concurrency: this.#opts.concurrency,
        lockDuration: this.#opts.lockMs,
        stalledInterval: Math.max(500, Math.floor(this.#opts.lockMs / 2)),
        maxStalledCount: this.#opts.attempts,
        name: this.#opts.workerName,
      },
    );
    worker.on("error", (e: Error) => log.debug("worker error", { error: e }));
    worker.on("failed", (job: Job | undefined, err: Error) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || err.name === "UnrecoverableError" ||
        job.attemptsMade >= (job.opts.attempts ?? 1);
      log.warn(final ? "evaluation job dead-lettered" : "evaluation job failed; will retry", {
        job: job.id,
        attempt: job.attemptsMade,
        error: err.message,
      });
      if (!final) {
        queueMetrics.retries.inc({ queue: this.kind });
        return;
      }
      queueMetrics.deadLetters.inc({ queue: this.kind });
      this.#deadLetter(job, err).catch((e) =>
        log.error("dead letter not recorded", { job: job.id, error: e })
      );
    });
    this.#worker = worker;
  }

  async #deadLetter(job: Job, err: Error): Promise<void> {
    const entry: DeadLetter = {
      id: job.id ?? "",
      job: job.data,
      error: err.message,
      attempts: job.attemptsMade,
      failed_at: Date.now(),
    };
    await timeout(
      this.#client.eval(
        "redis.call('LPUSH', KEYS[1], ARGV[1]); redis.call('LTRIM', KEYS[1], 0, ARGV[2]); return 1",
        1,
        this.deadKey,
        JSON.stringify(entry),
        this.#opts.deadLetterMax - 1,
      ),
      this.#cmdMs,
      "dead letter",
    );
  }

  async counts(): Promise<QueueCounts> {
    const c = await timeout(
      this.#queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed"),
      this.#cmdMs,
      "queue counts",
    );
    const out = {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
    };
    recordDepth(this.kind, out);
    return out;
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    if (limit <= 0) return [];
    const raw = await timeout(
      this.#client.eval(
        "return redis.call('LRANGE', KEYS[1], 0, ARGV[1])",
        1,
        this.deadKey,
        limit - 1,
      ),
      this.#cmdMs,
      "dead letters",
    ) as string[];
    const out: DeadLetter[] = [];
    for (const s of raw) {
      try {
        out.push(JSON.parse(s) as DeadLetter);
      } catch { /* a foreign entry: skipped */ }
    }
    return out;
  }

  async health(): Promise<Health> {
    if (this.#client.status !== "ready") {
      return { ok: false, detail: `redis ${this.#client.status}`, required: true };
    }
    try {
      await timeout(this.#client.ping(), 1000, "ping");
      return { ok: true, required: true };
    } catch (e) {
      return { ok: false, detail: (e as Error).message, required: true };
    }
  }

  /** Waits until the producer connection is ready (bounded). */
  async ready(timeoutMs: number): Promise<void> {
    await timeout(this.#queue.waitUntilReady(), timeoutMs, "queue connect");
  }

  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(100, deadline - Date.now());
    if (this.#worker) {
      await timeout(this.#worker.close(), left(), "worker close").catch((e) =>
        this.#opts.logger.warn("worker close", { error: e })
      );
    }
    await timeout(this.#queue.close(), left(), "queue close").catch(() => {});
    for (const c of [this.#client, this.#workerClient]) {
      if (!c) continue;
      try {
        if (c.status === "ready") await timeout(c.quit(), left(), "quit");
        else c.disconnect(false);
      } catch {
        c.disconnect(false);
      }
    }
  }
}
