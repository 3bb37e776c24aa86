import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { bucketCandles, curveSample } from "./downsample.ts";

Deno.test("downsample: buckets keep first open, last close, extreme high/low and total volume", () => {
  const cs: Candle[] = [
    { time: 0, open: 10, high: 12, low: 9, close: 11, volume: 1 },
    { time: 1, open: 11, high: 15, low: 10, close: 14, volume: 2 },
    { time: 2, open: 14, high: 14, low: 7, close: 8, volume: 3 },
    { time: 3, open: 8, high: 9, low: 8, close: 9, volume: 4 },
  ];
  assert.deepEqual(bucketCandles(cs, 10), cs);
  assert.deepEqual(bucketCandles(cs, 2), [
    { time: 0, open: 10, high: 15, low: 9, close: 14, volume: 3 },
    { time: 2, open: 14, high: 14, low: 7, close: 9, volume: 7 },
  ]);
});

Deno.test("downsample: curve samples keep the ends and every bucket's minimum", () => {
  const v = Array.from({ length: 1000 }, (_, i) => 100 + Math.sin(i / 7) * 10);
  v[537] = 1; // the deepest point must survive
  const idx = curveSample(v, 50);
  assert.ok(idx.length <= 52);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], 999);
  assert.ok(idx.includes(537));
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1]);
  assert.deepEqual(curveSample([3, 2, 1], 10), [0, 1, 2]);
});
