import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { buildConfig } from "../core/config.ts";
import { createLogger, setLogLevel } from "../core/log.ts";
import { discover } from "../core/registry.ts";
import type { SignalRecord } from "../core/signal.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { BTC_1H, loadCandles } from "../tests/data.ts";
import { createEvaluator } from "./engine_evaluator.ts";
import { evaluationMetrics, EvaluationRunner } from "./evaluation.ts";

setLogLevel("error");
const registry = await discover();
const config = buildConfig({ symbols: ["BTC"], intervals: ["1h"] });
const makeEvaluator = () => createEvaluator(registry, config);
/** Real BTC 1h bars. */
const CANDLES = loadCandles(BTC_1H).slice(0, 300);

/** The signal of each candle when one evaluator sees `candles` in order, uninterrupted. */
function uninterrupted(candles: readonly Candle[]): (SignalRecord | undefined)[] {
  const ev = makeEvaluator();
  return candles.map((c) => ev.update("BTC", "1h", c));
}

async function runnerOver(candles: readonly Candle[], historyCount: number) {
  const store = new MemoryStore();
  await store.start();
  await store.upsertCandles("BTC", "1h", candles); // ingest stores a candle before announcing it
  const runner = new EvaluationRunner({
    store,
    makeEvaluator,
    historyCount,
    logger: createLogger("test"),
  });
  const run = (c: Candle) =>
    runner.run({ symbol: "BTC", interval: "1h", candle: c, closedAt: Date.now() });
  return { store, run };
}

async function rebuilds(): Promise<number> {
  return (await evaluationMetrics.rebuilds.get()).values[0]?.value ?? 0;
}

Deno.test("evaluation: jobs that skip ahead or go back rebuild from the store and match an uninterrupted series", async () => {
  const ref = uninterrupted(CANDLES);
  assert.ok(ref.filter(Boolean).length > 200, "the engine warms up well within 300 bars");
  const { store, run } = await runnerOver(CANDLES, 5000);
  const r0 = await rebuilds();
  for (let i = 0; i < 150; i++) assert.deepEqual(await run(CANDLES[i]), ref[i], `candle ${i}`);
  assert.equal(await rebuilds() - r0, 1, "in-order jobs are O(1) updates after the first");
  // 150..199 were evaluated by another worker: this one's next job does not follow its last.
  assert.deepEqual(await run(CANDLES[200]), ref[200]);
  assert.equal(await rebuilds() - r0, 2);
  // A retried older job is rebuilt too, and the series continues from it.
  assert.deepEqual(await run(CANDLES[120]), ref[120]);
  assert.deepEqual(await run(CANDLES[121]), ref[121]);
  assert.equal(await rebuilds() - r0, 3);
  // Re-running a job rewrites the same record: one row per candle.
  const at = (i: number) =>
    store.signals("BTC", "1h", { from: CANDLES[i].time, to: CANDLES[i].time });
  assert.deepEqual(await at(200), [ref[200]]);
  assert.deepEqual(await at(120), [ref[120]]);
});

Deno.test("evaluation: a rebuild feeds exactly the historyCount stored candles before the job", async () => {
  const { run } = await runnerOver(CANDLES, 100);
  const expected = uninterrupted(CANDLES.slice(150, 251)).at(-1);
  assert.ok(expected);
  assert.deepEqual(await run(CANDLES[250]), expected);
});

Deno.test("evaluation: a gap in open times (no candle that hour) is not a reason to rebuild", async () => {
  const holed = CANDLES.slice(0, 120).filter((_, i) => i !== 60 && i !== 61);
  const ref = uninterrupted(holed);
  const { run } = await runnerOver(holed, 5000);
  const r0 = await rebuilds();
  for (let i = 0; i < holed.length; i++) assert.deepEqual(await run(holed[i]), ref[i]);
  assert.equal(await rebuilds() - r0, 1);
});

Deno.test("evaluation: a rebuild reads at least the strategy's warm-up, whatever historyCount says", async () => {
  // historical_candle_count 40 is below the default strategy's warm-up: a worker that sees every
  // other candle of a series (two workers sharing it) rebuilds on every job and must still emit.
  const { run } = await runnerOver(CANDLES, 40);
  assert.ok(makeEvaluator().warmup!("BTC", "1h") > 40);
  let signals = 0;
  for (let i = 100; i < 140; i += 2) {
    const s = await run(CANDLES[i]);
    if (s) signals++;
    assert.equal(s?.time, CANDLES[i].time, `candle ${i}`);
  }
  assert.equal(signals, 20, "every job got its signal");
});
