/**
 * A store outage at ingest, through the real `startService` (`--role all`, in-process queue): a
 * scripted provider hands closed candles to the service while the store's candle writes fail.
 * No closed candle may be lost: each is stored, in order, and evaluated once the store is back.
 */
import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { buildConfig } from "../core/config.ts";
import type { Interval } from "../core/interval.ts";
import type { MarketSink, Provider } from "../core/provider.ts";
import { discover } from "../core/registry.ts";
import type { Store } from "../core/store.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import type { Evaluator } from "../runtime/evaluator.ts";
import { startService } from "../runtime/service.ts";
import { recordingLogger, signal } from "./store_contract.ts";

const T0 = Date.UTC(2025, 6, 25);
const MIN = 60_000;
const bar = (i: number): Candle => ({
  time: T0 + i * MIN,
  open: 100,
  high: 120,
  low: 90,
  close: 100 + (i % 10),
  volume: 1,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

/** A signal for every candle: the test is about ingest, not the engine. */
const evaluator = (): Evaluator => ({
  update: (symbol: string, interval: Interval, c: Candle) =>
    signal({ symbol, interval, time: c.time, price: c.close }),
});

interface Harness {
  feed: (i: number) => void;
  store: Store;
  /** Open times of successful candle writes, in the order they happened. */
  written: number[];
  setDown: (down: boolean) => void;
  stop: () => Promise<void>;
  logger: ReturnType<typeof recordingLogger>;
}

async function harness(
  sweepSeconds = 3600,
  queue: Record<string, number> = { attempts: 3, backoff_ms: 20 },
): Promise<Harness> {
  const registry = await discover();
  let sink: MarketSink | undefined;
  const provider: Provider = {
    id: "scripted",
    start: (s) => {
      sink = s;
      return Promise.resolve();
    },
    stop: () => Promise.resolve(),
    health: () => ({ ok: true }),
    candles: () => Promise.resolve([]),
    funding: () => Promise.resolve([]),
    openInterest: () => Promise.resolve([]),
  };
  registry.providers.set("scripted", {
    kind: "provider",
    id: "scripted",
    description: "test",
    create: () => provider,
  });
  let down = false;
  const written: number[] = [];
  registry.stores.set("flaky", {
    kind: "store",
    id: "flaky",
    description: "test",
    create: () => {
      const mem = new MemoryStore();
      return new Proxy(mem, {
        get(t, k) {
          if (k === "upsertCandles") {
            return async (symbol: string, interval: Interval, cs: readonly Candle[]) => {
              if (down) throw new Error("store down (injected)");
              await t.upsertCandles(symbol, interval, cs);
              written.push(...cs.map((c) => c.time));
            };
          }
          const v = Reflect.get(t, k);
          return typeof v === "function" ? v.bind(t) : v;
        },
      }) as Store;
    },
  });
  const config = buildConfig({
    store: "flaky",
    provider: "scripted",
    symbols: ["BTC"],
    intervals: ["1m"],
    port: 0,
    hostname: "127.0.0.1",
    eval_interval_seconds: sweepSeconds,
    queue,
  });
  const logger = recordingLogger();
  const svc = await startService({
    config,
    registry,
    roles: new Set(["ingest", "api", "worker"] as const),
    logger,
    evaluator,
  });
  await until("provider started", () => Promise.resolve(sink !== undefined));
  return {
    feed: (i) => sink!.candle("BTC", "1m", bar(i)),
    store: svc.store,
    written,
    setDown: (d) => down = d,
    stop: () => svc.stop(),
    logger,
  };
}

async function signalled(store: Store): Promise<number[]> {
  return (await store.signals("BTC", "1m", { limit: 1000 })).map((s) => s.time).sort((a, b) =>
    a - b
  );
}

Deno.test("ingest: candles closed during a store outage are stored in order and evaluated after it", async () => {
  const h = await harness();
  try {
    for (let i = 0; i < 5; i++) h.feed(i);
    await until("first candles signalled", async () => (await signalled(h.store)).length === 5);
    h.setDown(true);
    for (let i = 5; i < 10; i++) {
      h.feed(i);
      await sleep(30);
    }
    await sleep(300); // far beyond the in-place tries (20 + 40 ms): the candles are parked
    h.setDown(false);
    for (let i = 10; i < 13; i++) h.feed(i);
    const all = Array.from({ length: 13 }, (_, i) => bar(i).time);
    await until("every candle signalled", async () => (await signalled(h.store)).length === 13);
    assert.deepEqual(await signalled(h.store), all);
    const stored = (await h.store.candles("BTC", "1m", {})).map((c) => c.time);
    assert.deepEqual(stored, all, "no closed candle lost");
    assert.deepEqual(h.written, all, "written once each, in order");
    assert.ok(
      h.logger.lines.some((l) => l.startsWith("warn closed candle not stored; kept")),
      h.logger.lines.join("\n"),
    );
  } finally {
    await h.stop();
  }
});

Deno.test("ingest: a write failing briefly is retried in place, without waiting for the next candle", async () => {
  const h = await harness();
  try {
    h.setDown(true);
    h.feed(0);
    await sleep(10);
    h.setDown(false); // back before the tries (20 + 40 ms) are used up
    await until("candle signalled", async () => (await signalled(h.store)).length === 1);
    assert.deepEqual(h.written, [bar(0).time]);
  } finally {
    await h.stop();
  }
});

Deno.test("ingest: a parked candle is stored by the sweep tick when no further candle comes", async () => {
  const h = await harness(1); // a sweep tick every second
  try {
    h.setDown(true);
    h.feed(0);
    await sleep(300);
    assert.deepEqual(h.written, []);
    h.setDown(false);
    await until("candle stored and signalled", async () => (await signalled(h.store)).length === 1);
    assert.deepEqual(h.written, [bar(0).time]);
  } finally {
    await h.stop();
  }
});

Deno.test("ingest: a stop while the store is down does not wait out the retry backoff", async () => {
  // 10 attempts from 200 ms double up to the 5 s cap: ~25 s of waits, more than the 10 s budget.
  const h = await harness(3600, { attempts: 10, backoff_ms: 200 });
  h.setDown(true);
  h.feed(0);
  await sleep(50);
  const t0 = Date.now();
  await h.stop();
  const took = Date.now() - t0;
  assert.ok(took < 3000, `stop took ${took} ms`);
  assert.ok(!h.logger.lines.some((l) => l.includes("in-flight work abandoned")), "drained");
});

Deno.test("a store that fails to start leaves no Redis connection of the cache behind", async () => {
  // A child process exits by itself only when nothing was left open.
  const child = new Deno.Command("deno", {
    args: [
      "run",
      "--unstable-kv",
      "--allow-read=.",
      "--allow-env",
      "--allow-net=127.0.0.1",
      "--allow-sys",
      "tests/_failed_start.ts",
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const out = await child.output();
  clearTimeout(timer);
  assert.equal(out.signal, null, "it had to be killed: a connection was left open");
  assert.match(new TextDecoder().decode(out.stdout), /refused: .*disk full/);
});
