import assert from "node:assert/strict";
import type { PerpSnapshot } from "../../core/market.ts";
import { PerpState } from "./perp.ts";

const S = 1_000;
const snap = (time: number, openInterest: number): PerpSnapshot => ({
  symbol: "BTC",
  time,
  fundingRate: 0.00001,
  openInterest,
  markPrice: 100,
  oraclePrice: 100,
});

Deno.test("a candle annotated late still gets the snapshot taken nearest its close", () => {
  const p = new PerpState();
  p.addHistory([{ time: 0, rate: 0.00002, periodHours: 1 }]);
  for (let i = 0; i <= 20; i++) p.update(snap(i * 30 * S, 1_000 + i));
  // Latest is at 600 s; a candle that closed at 65 s is annotated now (delivered late).
  assert.deepEqual(p.annotate(65 * S, 120 * S), { fundingRate: 0.00001, openInterest: 1_002 });
  assert.deepEqual(p.annotate(599 * S, 120 * S), { fundingRate: 0.00001, openInterest: 1_020 });
  // Nothing within the window: the settlement in force, no OI.
  assert.deepEqual(p.annotate(2_000 * S, 120 * S), { fundingRate: 0.00002 });
});

Deno.test("snapshots are kept one per sampling period, the newest always counts", () => {
  const p = new PerpState(10, 5 * S, 4);
  p.update(snap(0, 1));
  p.update(snap(2 * S, 2)); // within 5 s of the kept one: not kept, but the latest
  assert.equal(p.nearest(2 * S)?.openInterest, 2);
  p.update(snap(3 * S, 3));
  assert.equal(p.nearest(0)?.openInterest, 1);
  assert.equal(p.nearest(2 * S)?.openInterest, 3, "the dropped one is replaced by the latest");
  for (let i = 1; i <= 20; i++) p.update(snap(i * 10 * S, 100 + i));
  // At most 2 × maxRecent are kept: the oldest left is among the newest 8.
  assert.ok(p.nearest(0)!.openInterest >= 113, "bounded: old snapshots are trimmed");
  assert.equal(p.update(snap(5 * S, 9)), false, "older than the latest: ignored");
});
