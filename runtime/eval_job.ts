/**
 * The evaluation job: one closed candle of one series to turn into a signal. Its id is derived
 * from (symbol, interval, open time) only, so announcing the same candle twice (a reconnect, the
 * sweep, a second ingest during a takeover) can never create a second job.
 * @module
 */
import { z } from "zod";
import { type Candle, candleProblem } from "../core/candle.ts";
import { type Interval, INTERVALS } from "../core/interval.ts";

/** A queued evaluation. */
export interface EvalJob {
  symbol: string;
  interval: Interval;
  /** The closed candle itself, so a worker never waits for the store to show it. */
  candle: Candle;
  /** When ingest saw the candle close (epoch ms): the start of the close-to-signal latency. */
  closedAt: number;
  /** W3C `traceparent` of the ingest span, to continue the trace in the worker. */
  traceparent?: string;
}

const CandleShape = z.object({
  time: z.number(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  trades: z.number().optional(),
  fundingRate: z.number().optional(),
  openInterest: z.number().optional(),
}).superRefine((c, ctx) => {
  const p = candleProblem(c);
  if (p !== undefined) ctx.addIssue({ code: "custom", message: p });
});

/** Schema of a job read back from Redis (it crossed a process boundary, so it is checked). */
export const EvalJobSchema: z.ZodType<EvalJob> = z.object({
  symbol: z.string().min(1).max(64),
  interval: z.enum(INTERVALS),
  candle: CandleShape,
  closedAt: z.number().int().nonnegative(),
  traceparent: z.string().max(128).optional(),
});

/** Thrown for a job payload that is not an {@linkcode EvalJob}; retrying cannot fix it. */
export class BadJobError extends Error {
  override name = "BadJobError";
}

/** Validates a payload, naming the first bad field. */
export function parseEvalJob(data: unknown): EvalJob {
  const r = EvalJobSchema.safeParse(data);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new BadJobError(`bad evaluation job: ${i.path.join(".") || "(root)"}: ${i.message}`);
}

/**
 * The deterministic job id `SYMBOL|interval|time`. The symbol is URI-encoded because the queue
 * library reserves `:` in custom ids and symbols may contain it.
 */
export function evalJobId(symbol: string, interval: Interval, time: number): string {
  return `${encodeURIComponent(symbol)}|${interval}|${time}`;
}

/** Key of a series, for per-series ordering and state. */
export function seriesKey(symbol: string, interval: Interval): string {
  return `${symbol}|${interval}`;
}
