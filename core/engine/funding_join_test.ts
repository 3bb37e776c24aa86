import assert from "node:assert/strict";
import { loadFunding } from "../../tests/data.ts";
import { candleAt } from "./_fakes.ts";
import { joinFunding } from "./funding_join.ts";

const H = 3_600_000;

Deno.test("as-of join at the candle close, normalised per hour", () => {
  // 8-hourly settlements at 0 h and 8 h; hourly candles 0 h..9 h.
  const points = [
    { time: 0, rate: 0.0008, periodHours: 8 },
    { time: 8 * H, rate: -0.0016, periodHours: 8 },
  ];
  const candles = Array.from({ length: 10 }, (_, i) => ({ ...candleAt(0), time: i * H }));
  const { candles: out, joined } = joinFunding(candles, points, H);
  assert.equal(joined, 10);
  // Candle 7 opens 7 h, closes 8 h: the 8 h settlement is known at its close.
  assert.deepEqual(out.map((c) => c.fundingRate), [
    0.0001,
    0.0001,
    0.0001,
    0.0001,
    0.0001,
    0.0001,
    0.0001,
    -0.0002,
    -0.0002,
    -0.0002,
  ]);
  assert.equal(candles[0].fundingRate, undefined, "input not modified");
});

Deno.test("no look-ahead, nothing before the first settlement, stale rates dropped", () => {
  const points = [{ time: 5 * H + 1, rate: 0.0001, periodHours: 1 }];
  const candles = Array.from({ length: 10 }, (_, i) => ({ ...candleAt(0), time: i * H }));
  const { candles: out, joined } = joinFunding(candles, points, H);
  // Candle 4 closes at 5 h, 1 ms before the settlement; candles 5..6 see it; at candle 7's close
  // (8 h) it is 3 h − 1 ms old > 2 periods: stale.
  assert.deepEqual(out.map((c) => c.fundingRate), [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    0.0001,
    0.0001,
    undefined,
    undefined,
    undefined,
  ]);
  assert.equal(joined, 2);
  assert.ok(!("fundingRate" in out[0]));
});

Deno.test("a rate already on a candle is replaced, or removed where the file has none", () => {
  const candles = [{ ...candleAt(0), fundingRate: 0.5 }, { ...candleAt(600), fundingRate: 0.5 }];
  const { candles: out } = joinFunding(
    candles,
    [{ time: 0, rate: 0.0002, periodHours: 1 }],
    60_000,
  );
  assert.equal(out[0].fundingRate, 0.0002);
  assert.equal(out[1].fundingRate, undefined);
});

Deno.test("real Hyperliquid funding onto hourly candles: every candle in range joined", () => {
  const points = loadFunding("hyperliquid-btc-funding-1h-2023-05_2025-07.csv");
  assert.equal(points[0].periodHours, 1);
  const start = 1725447600000; // first candle of hyperliquid-btc-perp-1h
  const candles = Array.from(
    { length: 24 * 30 },
    (_, i) => ({ ...candleAt(0), time: start + i * H }),
  );
  const { candles: out, joined } = joinFunding(candles, points, H);
  assert.equal(joined, candles.length);
  for (const c of out) assert.ok(Math.abs(c.fundingRate!) < 0.01, String(c.fundingRate));
});
