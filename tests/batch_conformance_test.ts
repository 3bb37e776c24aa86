/**
 * Every indicator plugin's whole-series `batch()` against its own streaming state, bit for bit:
 * `computeColumns` (which takes the batch path) must equal `streamColumns` (the state fed row by
 * row, `values()` read after each, null as NaN) under `Object.is`, so a different rounding, a
 * −0 for a 0 or a value one row early all fail. The series are the long real ones (58k 1h and
 * 130k 1m BTC), every labelled regime slice, a flat market, and series shorter than the
 * warm-ups; the parameters are the defaults plus non-default sets that move every warm-up
 * boundary. Plugins are discovered as the registry finds them, and the seven price indicators
 * must all have a batch, so the test cannot pass by finding none.
 * @module
 */
import assert from "node:assert/strict";
import {
  type Candle,
  type CandleColumns,
  candleColumns,
  computeColumns,
  type Indicator,
  streamColumns,
} from "../mod.ts";
import { listPluginModules } from "../core/registry.ts";
import { BTC_1H, BTC_1M, dataPath, loadCandles } from "./data.ts";

/** The price indicators the batch path exists for (issue #3). */
const PRICE_IDS = ["macd", "rsi", "ema_cross", "bollinger", "atr", "obv", "supertrend"];

/** Non-default parameter sets per plugin: shorter and longer windows, extreme small ones. */
const EXTRA_PARAMS: Record<string, Record<string, unknown>[]> = {
  macd: [{ fast: 5, slow: 35, signal: 5 }, { fast: 2, slow: 3, signal: 1 }],
  rsi: [{ period: 7 }, { period: 2 }, { period: 30 }],
  ema_cross: [{ fast: 9, slow: 21 }, { fast: 1, slow: 2 }],
  bollinger: [{ period: 10, stdDev: 1.5 }, { period: 2, stdDev: 3 }, { period: 50, stdDev: 1 }],
  atr: [{ period: 21, regimeLookback: 100 }, { period: 1, regimeLookback: 2 }],
  obv: [{ smoothing: 0.5 }],
  supertrend: [{ period: 7, multiplier: 2 }, { period: 1, multiplier: 0.5 }],
};

/** Every indicator plugin in plugins/indicators, from the registry's own module listing. */
async function discoverIndicators(): Promise<Indicator[]> {
  const out: Indicator[] = [];
  for (const url of await listPluginModules(new URL("../plugins/indicators/", import.meta.url))) {
    const mod = await import(url.href);
    if (mod.default?.kind === "indicator") out.push(mod.default);
  }
  return out;
}

/** A market that never moves: zero true ranges, zero variance, no gains or losses. */
function flatSeries(n: number): Candle[] {
  return Array.from({ length: n }, (_, i) => ({
    time: (i + 1) * 60_000,
    open: 100,
    high: 100,
    low: 100,
    close: 100,
    volume: i % 3,
  }));
}

const regimeFiles = [...Deno.readDirSync(dataPath("regimes"))]
  .filter((e) => e.isFile && e.name.endsWith(".csv"))
  .map((e) => `regimes/${e.name}`)
  .sort();

/** Named column sets; the long real series are the ones the values must be finite on. */
const SERIES: { name: string; cols: CandleColumns; long: boolean }[] = [
  { name: BTC_1H, cols: candleColumns(loadCandles(BTC_1H)), long: true },
  { name: BTC_1M, cols: candleColumns(loadCandles(BTC_1M)), long: true },
  ...regimeFiles.map((f) => ({ name: f, cols: candleColumns(loadCandles(f)), long: false })),
  { name: "flat 500", cols: candleColumns(flatSeries(500)), long: false },
  { name: "1h first 3 rows", cols: candleColumns(loadCandles(BTC_1H).slice(0, 3)), long: false },
  { name: "1h first 40 rows", cols: candleColumns(loadCandles(BTC_1H).slice(0, 40)), long: false },
  { name: "empty", cols: candleColumns([]), long: false },
];

/** Asserts `actual` is `expected` element by element under `Object.is`; names the first miss. */
function assertSameBits(label: string, actual: Float64Array, expected: Float64Array): void {
  assert.ok(actual instanceof Float64Array, `${label}: not a Float64Array`);
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${label}: row ${i}: batch ${actual[i]}, stream ${expected[i]}`);
    }
  }
}

const indicators = await discoverIndicators();
const batched = indicators.filter((i) => i.batch !== undefined);

Deno.test("batch: the seven price indicators all have a whole-series path", () => {
  const ids = new Set(indicators.map((i) => i.id));
  for (const id of PRICE_IDS) assert.ok(ids.has(id), `plugin ${id} not discovered`);
  const withBatch = new Set(batched.map((i) => i.id));
  for (const id of PRICE_IDS) assert.ok(withBatch.has(id), `${id} has no batch()`);
});

for (const ind of batched) {
  const paramSets = [{}, ...(EXTRA_PARAMS[ind.id] ?? [])];
  Deno.test(`batch: ${ind.id} equals its streaming state bit for bit`, async (t) => {
    for (const raw of paramSets) {
      const params = ind.params.parse(raw);
      for (const { name, cols, long } of SERIES) {
        await t.step(`${JSON.stringify(raw)} on ${name}`, () => {
          const got = computeColumns(ind, cols, raw);
          const want = streamColumns(ind, cols, params);
          assert.deepEqual(Object.keys(got).sort(), [...ind.outputs].sort(), "output keys");
          for (const k of ind.outputs) {
            assertSameBits(`${ind.id}.${k}`, got[k], want[k]);
            // On the long series every output has values, so equal NaN columns prove nothing.
            if (long) assert.ok(want[k].some((x) => Number.isFinite(x)), `${k}: all warm-up`);
          }
        });
      }
    }
  });
}
