import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { FundingJoin, joinFunding } from "./funding_join.ts";

const H = 3_600_000;
const c = (h: number, extra: Partial<Candle> = {}): Candle => ({
  time: h * H,
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 0,
  ...extra,
});

Deno.test("funding join: a candle carries the last settlement strictly before its close, per hour", () => {
  const pts = [
    { time: 1 * H, rate: 0.0008, periodHours: 8 }, // 8-hourly venue: 0.0001 per hour
    { time: 9 * H, rate: 0.0016, periodHours: 8 },
  ];
  const out = joinFunding([c(0), c(1), c(7), c(8), c(9)], pts, H);
  assert.equal(out[0].fundingRate, undefined); // closes at 1h: that settlement is not before it
  assert.equal(out[1].fundingRate, 0.0001);
  assert.equal(out[2].fundingRate, 0.0001);
  assert.equal(out[3].fundingRate, 0.0001); // closes at 9h: the 9h settlement is not yet known
  assert.equal(out[4].fundingRate, 0.0002);
});

Deno.test("funding join: no rate before the first settlement; a candle's own rate wins", () => {
  const j = new FundingJoin([{ time: 5 * H + 48, rate: 0.00001, periodHours: 1 }], H);
  const before = c(4);
  assert.equal(j.attach(before), before);
  assert.equal(j.attach(c(5)).fundingRate, 0.00001); // closes at 6h, after the 5h+48ms settlement
  assert.equal(j.attach(c(6)).fundingRate, 0.00001);
  assert.equal(j.attach(c(7, { fundingRate: 0.5 })).fundingRate, 0.5);
});
