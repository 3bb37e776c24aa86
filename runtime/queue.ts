/**
 * The evaluation queue contract and its metrics. Two implementations: {@linkcode RedisEvalQueue}
 * (BullMQ, for split roles: any number of workers in any number of processes) and
 * {@linkcode MemoryEvalQueue} (one process, no Redis). Both deduplicate by the deterministic job
 * id, retry failed jobs with exponential backoff and keep a dead-letter list.
 * @module
 */
import type { Health } from "../core/health.ts";
import { counter, gauge } from "../core/metrics.ts";
import type { EvalJob } from "./eval_job.ts";

/** Runs one job; a rejection means "retry later" (or dead-letter once the tries are spent). */
export type EvalHandler = (job: EvalJob) => Promise<void>;

/** Jobs by state. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  /** Jobs that used every try (the dead letters still held). */
  failed: number;
}

/** A job that used every try. */
export interface DeadLetter {
  id: string;
  job: unknown;
  error: string;
  attempts: number;
  failed_at: number;
}

/** A queue of evaluation jobs. */
export interface EvalQueue {
  /** `memory` (in-process) or `redis` (BullMQ). */
  readonly kind: "memory" | "redis";
  /**
   * Adds a job under its deterministic id; a job with the same id already queued, running or done
   * is ignored. A dead-lettered one is not: the job is tried again (the dead letter is kept).
   */
  enqueue(job: EvalJob): Promise<void>;
  /** Starts taking jobs (worker role). Call once. */
  consume(handler: EvalHandler): void;
  counts(): Promise<QueueCounts>;
  /** The newest dead letters, newest first. */
  deadLetters(limit: number): Promise<DeadLetter[]>;
  health(): Promise<Health>;
  /** Stops taking jobs, waits for running ones (bounded) and disconnects. */
  close(timeoutMs: number): Promise<void>;
}

/** Retry policy shared by both queues. */
export interface RetryPolicy {
  /** Tries per job, the first included. */
  attempts: number;
  /** Delay before the second try; doubled for every further one. */
  backoffMs: number;
  /** Dead letters kept. */
  deadLetterMax: number;
}

/** Delay before try number `attempt + 1` after `attempt` failures (1-based): base × 2^(n−1). */
export function backoffDelay(policy: Pick<RetryPolicy, "backoffMs">, attempt: number): number {
  return policy.backoffMs * 2 ** Math.max(0, Math.min(attempt - 1, 30));
}

/** Queue metrics, shared by both implementations. */
export const queueMetrics = {
  enqueued: counter("perptrix_queue_enqueued_total", "Evaluation jobs announced", ["queue"]),
  retries: counter("perptrix_queue_retries_total", "Failed job tries that will be retried", [
    "queue",
  ]),
  deadLetters: counter(
    "perptrix_queue_dead_letters_total",
    "Jobs that used every try and went to the dead-letter list",
    ["queue"],
  ),
  requeued: counter(
    "perptrix_queue_requeued_total",
    "Dead-lettered jobs announced again (e.g. by the sweep) and given a fresh set of tries",
    ["queue"],
  ),
  depth: gauge("perptrix_queue_depth", "Evaluation jobs by state", ["queue", "state"]),
};

/** Copies counts into the depth gauge. */
export function recordDepth(kind: string, c: QueueCounts): void {
  queueMetrics.depth.set({ queue: kind, state: "waiting" }, c.waiting);
  queueMetrics.depth.set({ queue: kind, state: "active" }, c.active);
  queueMetrics.depth.set({ queue: kind, state: "delayed" }, c.delayed);
  queueMetrics.depth.set({ queue: kind, state: "failed" }, c.failed);
}
