import assert from "node:assert/strict";
// @ts-types="../plugins/stores/_ioredis.d.ts"
import { Redis } from "ioredis";
import { Queue } from "bullmq";
import { createLogger, setLogLevel } from "../core/log.ts";
import type { EvalJob } from "./eval_job.ts";
import { evalJobId, parseEvalJob } from "./eval_job.ts";
import { MemoryEvalQueue } from "./memory_queue.ts";
import type { EvalQueue } from "./queue.ts";
import { backoffDelay } from "./queue.ts";
import { RedisEvalQueue } from "./redis_queue.ts";

setLogLevel("error");
const logger = createLogger("test");
const REDIS = "redis://127.0.0.1:6379";

function job(i: number, symbol = "BTC"): EvalJob {
  const time = Date.UTC(2025, 6, 25) + i * 60_000;
  return {
    symbol,
    interval: "1m",
    candle: { time, open: 100, high: 101, low: 99, close: 100, volume: 1 },
    closedAt: time + 60_000,
  };
}

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A Redis queue under its own key prefix, with the tests' timings. */
function redisQueue(
  prefix: string,
  over: { attempts: number; concurrency: number; workerName?: string },
): RedisEvalQueue {
  return new RedisEvalQueue({
    url: REDIS,
    prefix,
    backoffMs: 20,
    deadLetterMax: 10,
    lockMs: 2000,
    keepCompletedSeconds: 3600,
    workerName: "test",
    logger,
    ...over,
  });
}

/** Deletes every key a test wrote under `prefix`. */
async function dropPrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS);
  const keys = (await r.scan(0, "MATCH", `${prefix}:*`, "COUNT", 1000))[1];
  if (keys.length > 0) await r.del(...keys);
  await r.quit();
}

Deno.test("job ids are deterministic and safe for symbols with ':'", () => {
  assert.equal(evalJobId("BTC", "1m", 5), "BTC|1m|5");
  assert.equal(evalJobId("xyz:ABC", "1h", 5), "xyz%3AABC|1h|5");
  assert.throws(() => parseEvalJob({ ...job(0), candle: { ...job(0).candle, high: 1 } }), /candle/);
  assert.throws(() => parseEvalJob({ ...job(0), interval: "2m" }), /interval/);
  assert.equal(backoffDelay({ backoffMs: 100 }, 3), 400);
});

async function behaves(q: EvalQueue, settle: () => Promise<void>) {
  const seen: string[] = [];
  let failsLeft = 2;
  q.consume((j) => {
    seen.push(`${j.symbol}:${j.candle.time}`);
    if (j.symbol === "FLAKY" && failsLeft-- > 0) return Promise.reject(new Error("transient"));
    if (j.symbol === "BROKEN") return Promise.reject(new Error("always"));
    return Promise.resolve();
  });
  await q.enqueue(job(1));
  await q.enqueue(job(1)); // same id: ignored
  await q.enqueue(job(2));
  await q.enqueue(job(1, "FLAKY"));
  await q.enqueue(job(1, "BROKEN"));
  await until(async () => (await q.deadLetters(10)).length === 1);
  await settle();
  assert.equal(seen.filter((s) => s === `BTC:${job(1).candle.time}`).length, 1);
  assert.equal(seen.filter((s) => s.startsWith("FLAKY")).length, 3); // 2 failures then success
  assert.equal(seen.filter((s) => s.startsWith("BROKEN")).length, 3); // attempts = 3
  const dead = await q.deadLetters(10);
  assert.equal(dead[0].id, evalJobId("BROKEN", "1m", job(1).candle.time));
  assert.equal(dead[0].error, "always");
  assert.equal(dead[0].attempts, 3);
  // Re-announcing a completed job does not run it again.
  await q.enqueue(job(2));
  await settle();
  assert.equal(seen.filter((s) => s === `BTC:${job(2).candle.time}`).length, 1);
}

Deno.test("memory queue: dedupe, retries with backoff, dead letters", async () => {
  const q = new MemoryEvalQueue({ attempts: 3, backoffMs: 5, deadLetterMax: 10 });
  await behaves(q, () => new Promise((r) => setTimeout(r, 100)));
  assert.equal((await q.counts()).failed, 1);
  await q.close(1000);
});

Deno.test("redis queue (BullMQ): dedupe, retries with backoff, dead letters", async () => {
  const prefix = `perptrix-test-${crypto.randomUUID().slice(0, 8)}`;
  const q = redisQueue(prefix, { attempts: 3, concurrency: 2 });
  try {
    await q.ready(5000);
    await behaves(q, () => new Promise((r) => setTimeout(r, 400)));
    const c = await q.counts();
    assert.equal(c.waiting + c.active + c.delayed, 0);
    assert.equal(c.failed, 1);
    assert.equal((await q.health()).ok, true);
  } finally {
    await q.close(5000);
    await dropPrefix(prefix);
  }
});

/**
 * A job that used every try (a store outage) must not block the same candle's next announcement
 * (the sweep's), or the candle would never get a signal.
 */
async function deadLetterRecovers(q: EvalQueue, settle: () => Promise<void>) {
  let down = true;
  const runs: boolean[] = [];
  q.consume(() => {
    runs.push(down);
    return down ? Promise.reject(new Error("store down")) : Promise.resolve();
  });
  await q.enqueue(job(7));
  await until(async () => (await q.deadLetters(10)).length === 1);
  await settle();
  assert.deepEqual(runs, [true, true], "both tries failed");
  down = false; // the store is back; the sweep announces the candle again
  await q.enqueue(job(7));
  await until(() => runs.length === 3);
  await settle();
  assert.deepEqual(runs, [true, true, false], "the re-announced job ran once more and succeeded");
  // The dead letter is kept for operators; once done, the id deduplicates again.
  assert.equal((await q.deadLetters(10))[0].id, evalJobId("BTC", "1m", job(7).candle.time));
  await q.enqueue(job(7));
  await settle();
  assert.equal(runs.length, 3);
}

Deno.test("memory queue: a dead-lettered job is run again when the candle is announced again", async () => {
  const q = new MemoryEvalQueue({ attempts: 2, backoffMs: 5, deadLetterMax: 10 });
  try {
    await deadLetterRecovers(q, () => new Promise((r) => setTimeout(r, 50)));
  } finally {
    await q.close(1000);
  }
});

Deno.test("redis queue: a dead-lettered job is run again when the candle is announced again", async () => {
  const prefix = `perptrix-test-${crypto.randomUUID().slice(0, 8)}`;
  const q = redisQueue(prefix, { attempts: 2, concurrency: 1 });
  try {
    await q.ready(5000);
    await deadLetterRecovers(q, () => new Promise((r) => setTimeout(r, 300)));
  } finally {
    await q.close(5000);
    await dropPrefix(prefix);
  }
});

Deno.test("redis queue: two producers re-announcing one dead-lettered candle run it once", async () => {
  const prefix = `perptrix-test-${crypto.randomUUID().slice(0, 8)}`;
  const a = redisQueue(prefix, { attempts: 2, concurrency: 1, workerName: "a" });
  const b = redisQueue(prefix, { attempts: 2, concurrency: 1, workerName: "b" });
  const original = Queue.prototype.getJobState;
  try {
    await a.ready(5000);
    await b.ready(5000);
    let down = true;
    const runs: boolean[] = [];
    a.consume(() => {
      runs.push(down);
      return down ? Promise.reject(new Error("store down")) : Promise.resolve();
    });
    await a.enqueue(job(7));
    await until(async () => (await a.deadLetters(10)).length === 1);
    down = false;
    // Both producers read "failed"; the second acts only after the first one's job has run:
    // the interleaving in which a check-then-remove-then-add ran the candle twice.
    let arrived = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((r) => bothRead = r);
    Queue.prototype.getJobState = async function (this: Queue, id: string) {
      const state = await original.call(this, id);
      const n = ++arrived;
      if (n === 2) bothRead();
      await barrier;
      if (n === 2) await until(() => runs.length === 3);
      return state;
    } as typeof original;
    await Promise.all([a.enqueue(job(7)), b.enqueue(job(7))]);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(runs, [true, true, false], "run once more, not twice");
  } finally {
    Queue.prototype.getJobState = original;
    await a.close(5000);
    await b.close(5000);
    await dropPrefix(prefix);
  }
});
