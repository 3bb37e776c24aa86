import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { buildConfig } from "../core/config.ts";
import type { Interval } from "../core/interval.ts";
import type { RangeQuery, Store } from "../core/store.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { recordingLogger, signal } from "../tests/store_contract.ts";
import type { EvalJob } from "./eval_job.ts";
import {
  cronForSeconds,
  defaultLookbackMs,
  scheduleSweep,
  sweep,
  SWEEP_MAX_PAGES,
  SWEEP_PAGE,
} from "./cron.ts";
import { cronMaxGapMs } from "./cron_period.ts";
import { MemoryEvalQueue } from "./memory_queue.ts";

const T0 = Date.UTC(2025, 6, 25);
const MIN = 60_000;
const config = buildConfig({
  symbols: ["BTC", "ETH"],
  intervals: ["1m"],
  eval_interval_seconds: 60,
});

function bar(i: number): Candle {
  return { time: T0 + i * MIN, open: 100, high: 120, low: 99, close: 100 + i, volume: 1 };
}

/** BTC 1m bars 0..10 stored (bar 10 still open at `NOW`), a signal stored for bar 8. */
async function fixture(): Promise<Store> {
  const store = new MemoryStore();
  await store.start();
  await store.upsertCandles("BTC", "1m", Array.from({ length: 11 }, (_, i) => bar(i)));
  await store.upsertSignals([signal({ symbol: "BTC", interval: "1m", time: bar(8).time })]);
  return store;
}
/** Mid-bar 10: the sweep looks back 3 periods (3 min): bars 8, 9 and the open 10. */
const NOW = T0 + 10 * MIN + 30_000;

function newQueue(): MemoryEvalQueue {
  return new MemoryEvalQueue({ attempts: 1, backoffMs: 1, deadLetterMax: 10 });
}

Deno.test("sweep: re-announces closed stored candles without a signal, not open or done ones", async () => {
  const store = await fixture();
  const queue = newQueue();
  const n = await sweep({ config, store, queue, logger: recordingLogger(), now: () => NOW });
  assert.equal(n, 1);
  assert.equal((await queue.counts()).waiting, 1);
  const seen: EvalJob[] = [];
  queue.consume((job) => {
    seen.push(job);
    return Promise.resolve();
  });
  await queue.close(1000);
  assert.deepEqual(seen.map((j) => [j.symbol, j.interval, j.candle]), [["BTC", "1m", bar(9)]]);
  assert.equal(seen[0].closedAt, bar(10).time, "latency counts from the candle's close");
});

Deno.test("sweep: announcing again is a no-op for jobs already queued or done (deterministic ids)", async () => {
  const store = await fixture();
  const queue = newQueue();
  const opts = { config, store, queue, logger: recordingLogger(), now: () => NOW };
  await sweep(opts);
  await sweep(opts); // still queued: not added twice
  assert.equal((await queue.counts()).waiting, 1);
  let runs = 0;
  queue.consume(() => {
    runs++;
    return Promise.resolve(); // evaluated, but (as in warm-up) no signal was stored
  });
  await new Promise((r) => setTimeout(r, 20));
  await sweep(opts); // done: not run again
  await queue.close(1000);
  assert.equal(runs, 1);
});

Deno.test("sweep: a failing series is logged and the others are still swept", async () => {
  const store = await fixture();
  await store.upsertCandles("ETH", "1m", [bar(9)]);
  const broken = new Proxy(store, {
    get(t, k) {
      if (k === "candles") {
        return (symbol: string, interval: Interval, q?: RangeQuery) =>
          symbol === "BTC"
            ? Promise.reject(new Error("store down"))
            : t.candles(symbol, interval, q);
      }
      const v = Reflect.get(t, k);
      return typeof v === "function" ? v.bind(t) : v;
    },
  }) as Store;
  const logger = recordingLogger();
  const queue = newQueue();
  const n = await sweep({ config, store: broken, queue, logger, now: () => NOW });
  assert.equal(n, 1, "ETH bar 9");
  assert.ok(
    logger.lines.some((l) => l.startsWith("warn sweep of a series failed")),
    logger.lines.join("\n"),
  );
  await queue.close(1000);
});

Deno.test("cronForSeconds: cron for periods that divide the hour or day, else a timer", () => {
  assert.equal(cronForSeconds(60), "* * * * *");
  assert.equal(cronForSeconds(300), "*/5 * * * *");
  assert.equal(cronForSeconds(3600), "0 * * * *");
  assert.equal(cronForSeconds(7200), "0 */2 * * *");
  assert.equal(cronForSeconds(86_400), "0 0 * * *");
  for (const s of [1, 30, 90, 420, 5 * 3600, 2 * 86_400]) {
    assert.equal(cronForSeconds(s), undefined, `${s}`);
  }
});

Deno.test("scheduleSweep: a timer below a minute; overlapping runs are skipped; stop stops", async () => {
  let running = 0;
  let runs = 0;
  let overlapped = false;
  const s = scheduleSweep(
    buildConfig({ eval_interval_seconds: 1 }),
    async () => {
      if (running > 0) overlapped = true;
      running++;
      runs++;
      await new Promise((r) => setTimeout(r, 2500)); // spans the next tick
      running--;
    },
    recordingLogger(),
    `test-${crypto.randomUUID()}`,
  );
  assert.equal(s.how, "timer 1000 ms");
  const end = Date.now() + 5000;
  while (runs === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 1500)); // the tick 1 s after the first comes and goes
  s.stop();
  await new Promise((r) => setTimeout(r, 1500)); // the first run ends; no tick after stop
  assert.equal(running, 0);
  assert.equal(runs, 1, "the second tick found the first still running");
  assert.equal(overlapped, false);
});

Deno.test("scheduleSweep: eval_cron uses Deno.cron with that expression", () => {
  const s = scheduleSweep(
    buildConfig({ eval_cron: "*/5 * * * *" }),
    () => Promise.resolve(),
    recordingLogger(),
    `test-${crypto.randomUUID()}`,
  );
  assert.equal(s.how, "cron */5 * * * *");
  s.stop();
});

/**
 * `n` BTC 1m bars ending with one still open at `now`, every closed one signalled except those at
 * the given offsets (in bars before the open one).
 */
async function longSeries(n: number, unsignalledAgo: number[]): Promise<[Store, number, number[]]> {
  const store = new MemoryStore();
  await store.start();
  const bars = Array.from({ length: n }, (_, i) => ({ ...bar(i), high: 200, close: 100 }));
  await store.upsertCandles("BTC", "1m", bars);
  const openIdx = n - 1;
  const skip = new Set(unsignalledAgo.map((k) => openIdx - k));
  const signals = bars.slice(0, -1).filter((_, i) => !skip.has(i)).map((b) =>
    signal({ symbol: "BTC", interval: "1m", time: b.time })
  );
  for (let i = 0; i < signals.length; i += 1000) {
    await store.upsertSignals(signals.slice(i, i + 1000));
  }
  const now = bars[openIdx].time + 30_000;
  return [store, now, [...skip].sort((a, b) => a - b).map((i) => bars[i].time)];
}

async function announced(store: Store, cfg: typeof config, now: number): Promise<number[]> {
  const jobs: number[] = [];
  const queue = newQueue();
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = (job: EvalJob) => {
    jobs.push(job.candle.time);
    return enqueue(job);
  };
  await sweep({ config: cfg, store, queue, logger: recordingLogger(), now: () => now });
  await queue.close(1000);
  return jobs;
}

Deno.test("sweep: an hourly eval_cron looks back 3 hours, not 3 eval_interval_seconds", async () => {
  const cfg = buildConfig({
    symbols: ["BTC"],
    intervals: ["1m"],
    eval_interval_seconds: 60,
    eval_cron: "0 * * * *",
  });
  assert.equal(defaultLookbackMs(cfg, "1m"), 3 * 3600_000);
  // Missed since the previous hourly run (and the one before it): 10, 70 and 170 minutes ago.
  const [store, now, missing] = await longSeries(400, [10, 70, 170]);
  assert.deepEqual(await announced(store, cfg, now), missing);
});

Deno.test("sweep: a window longer than one page is read from the newest candle back", async () => {
  // eval_interval_seconds = 4 h: a 12 h window, 720 1m candles, more than one page of 500.
  const cfg = buildConfig({ symbols: ["BTC"], intervals: ["1m"], eval_interval_seconds: 14_400 });
  const [store, now, missing] = await longSeries(1000, [1, 2, 3, 600, 719]);
  assert.deepEqual(await announced(store, cfg, now), missing, "newest, and the page before");
});

Deno.test("sweep: a window of many pages reads at most SWEEP_MAX_PAGES, newest first", async () => {
  const cfg = buildConfig({ symbols: ["BTC"], intervals: ["1m"], eval_cron: "0 0 1 * *" });
  const n = (SWEEP_MAX_PAGES + 5) * SWEEP_PAGE;
  const [store, now, missing] = await longSeries(n, [1, n - 2]);
  let reads = 0;
  const counted = new Proxy(store, {
    get(t, k) {
      const v = Reflect.get(t, k);
      if (k === "candles") reads++;
      return typeof v === "function" ? v.bind(t) : v;
    },
  }) as Store;
  assert.deepEqual(await announced(counted, cfg, now), [missing[1]], "the newest is covered");
  assert.equal(reads, SWEEP_MAX_PAGES);
});

Deno.test("cronMaxGapMs: the longest gap between fire times, never shorter than the real one", () => {
  const M = 60_000, H = 60 * M, D = 24 * H;
  const cases: [string, number][] = [
    ["* * * * *", M],
    ["*/5 * * * *", 5 * M],
    ["0 * * * *", H],
    ["0 */6 * * *", 6 * H],
    ["0 9,17 * * *", 16 * H],
    ["30 9 * * *", D],
    ["59-0 * * * *", 59 * M],
    ["5/20 * * * *", 20 * M],
    ["0 0 * * 2", 7 * D],
    ["0 0 * * MON-FRI", 3 * D],
    ["0 0 * * SAT-SUN", 6 * D],
    ["0 0 1 * *", 31 * D],
    ["0 0 L * *", 31 * D],
    ["0 0 31 * *", 61 * D],
    ["0 0 29 2 *", 1461 * D],
  ];
  for (const [expr, gap] of cases) assert.equal(cronMaxGapMs(expr), gap, expr);
  // Never fires within the 8-year calendar: counted as 8 years.
  assert.equal(cronMaxGapMs("0 0 31 2 *"), (8 * 365 + 2) * D);
});
