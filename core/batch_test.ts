import assert from "node:assert/strict";
import type { Candle } from "./candle.ts";
import { CandleError } from "./candle.ts";
import { candleColumns } from "./columns.ts";
import { computeColumns, streamColumns } from "./batch.ts";
import { scriptedIndicator } from "./engine/_fakes.ts";

const bar = (time: number, close: number, extra: Partial<Candle> = {}): Candle => ({
  time,
  open: close,
  high: close + 2,
  low: close - 1,
  close,
  volume: 1,
  ...extra,
});
const neutral = () => ({ score: 0, state: "Scripted", reason: "" });

Deno.test("candleColumns copies every field; missing perp fields become NaN", () => {
  const cols = candleColumns([bar(0, 10, { fundingRate: 1e-5 }), bar(60, 11, { openInterest: 7 })]);
  assert.equal(cols.length, 2);
  assert.deepEqual([...cols.time], [0, 60]);
  assert.deepEqual([...cols.high], [12, 13]);
  assert.deepEqual([...cols.low], [9, 10]);
  assert.deepEqual([...cols.fundingRate], [1e-5, NaN]);
  assert.deepEqual([...cols.openInterest], [NaN, 7]);
});

Deno.test("candleColumns refuses a bad or out-of-order row and names it", () => {
  assert.throws(() => candleColumns([bar(0, 10), bar(60, NaN)]), (e: Error) => {
    assert.ok(e instanceof CandleError);
    assert.match(e.message, /^row 2: /);
    return true;
  });
  assert.throws(() => candleColumns([bar(60, 10), bar(60, 11)]), /row 2: time 60 is not after/);
  assert.throws(() => candleColumns([bar(0, 10), bar(60, 11, { high: 5 })]), /row 2/);
});

Deno.test("computeColumns without batch() feeds the stream: values per row, NaN for null", () => {
  // Value: the last candle's high − low from the second row on (null on the first).
  const base = scriptedIndicator("x", "trend", neutral);
  const ind = {
    ...base,
    create(p: { k: number }) {
      const s = base.create(p);
      return {
        update: (c: Candle) => s.update(c),
        get count() {
          return s.count;
        },
        get candles() {
          return s.candles;
        },
        values: () => (s.count < 2 ? { range: null } : s.values()),
      };
    },
  };
  const cols = candleColumns([bar(0, 10), bar(60, 20), bar(120, 30, { high: 40 })]);
  const out = computeColumns(ind, cols);
  assert.deepEqual(Object.keys(out), ["range"]);
  assert.ok(out.range instanceof Float64Array);
  assert.deepEqual([...out.range], [NaN, 3, 11]);
});

Deno.test("computeColumns validates params and refuses a batch() with a short or missing column", () => {
  const ind = scriptedIndicator("x", "trend", neutral);
  const cols = candleColumns([bar(0, 10), bar(60, 20)]);
  assert.throws(() => computeColumns(ind, cols, { k: -1 }));
  const short = { ...ind, batch: () => ({ range: new Float64Array(1) }) };
  assert.throws(() => computeColumns(short, cols), /batch\(\) gave no 2-row column "range"/);
  const missing = { ...ind, batch: () => ({}) };
  assert.throws(() => computeColumns(missing, cols), /column "range"/);
  const good = { ...ind, batch: () => streamColumns(ind, cols, { k: 1 }) };
  assert.deepEqual([...computeColumns(good, cols).range], [3, 3]);
});
