import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import type { Interval } from "../core/interval.ts";
import type { Store } from "../core/store.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { recordingLogger } from "../tests/store_contract.ts";
import type { EvalJob } from "./eval_job.ts";
import { IngestPipeline } from "./ingest.ts";
import { MemoryEvalQueue } from "./memory_queue.ts";

const T0 = Date.UTC(2025, 6, 25);
const bar = (i: number): Candle => ({
  time: T0 + i * 60_000,
  open: 100,
  high: 101,
  low: 99,
  close: 100,
  volume: 1,
});

function setup(maxPendingPerSeries: number) {
  const mem = new MemoryStore();
  let down = false;
  const store = new Proxy(mem, {
    get(t, k) {
      if (k === "upsertCandles") {
        return (s: string, i: Interval, cs: readonly Candle[]) =>
          down ? Promise.reject(new Error("down")) : t.upsertCandles(s, i, cs);
      }
      const v = Reflect.get(t, k);
      return typeof v === "function" ? v.bind(t) : v;
    },
  }) as Store;
  const queue = new MemoryEvalQueue({ attempts: 1, backoffMs: 1, deadLetterMax: 10 });
  const jobs: number[] = [];
  queue.consume((j: EvalJob) => {
    jobs.push(j.candle.time);
    return Promise.resolve();
  });
  const logger = recordingLogger();
  const pipeline = new IngestPipeline({
    store,
    queue,
    flushEach: false,
    attempts: 2,
    backoffMs: 1,
    maxPendingPerSeries,
    logger,
  });
  return { mem, queue, jobs, logger, pipeline, setDown: (d: boolean) => down = d };
}

Deno.test("ingest pipeline: the pending buffer is bounded (oldest dropped, logged); a malformed candle is dropped at once", async () => {
  const t = setup(3);
  try {
    await t.mem.start();
    t.setDown(true);
    for (let i = 0; i < 5; i++) await t.pipeline.closed("BTC", "1m", bar(i));
    assert.equal(t.pipeline.pending, 3);
    assert.equal(
      t.logger.lines.filter((l) => l.startsWith("error closed candle dropped")).length,
      2,
    );
    t.setDown(false);
    await t.pipeline.retryPending();
    assert.equal(t.pipeline.pending, 0);
    assert.deepEqual((await t.mem.candles("BTC", "1m", {})).map((c) => c.time), [
      bar(2).time,
      bar(3).time,
      bar(4).time,
    ]);
    // Retrying cannot fix a candle the store refuses: it does not block the series.
    await t.pipeline.closed("BTC", "1m", { ...bar(5), high: 1 });
    await t.pipeline.closed("BTC", "1m", bar(6));
    assert.equal(t.pipeline.pending, 0);
    assert.ok(t.logger.lines.some((l) => l.startsWith("error closed candle refused")));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(t.jobs, [bar(2).time, bar(3).time, bar(4).time, bar(6).time]);
  } finally {
    t.pipeline.close();
    await t.queue.close(1000);
  }
});
