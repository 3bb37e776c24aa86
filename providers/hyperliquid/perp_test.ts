import assert from "node:assert/strict";
import type { Candle } from "../../core/candle.ts";
import type { PerpSnapshot } from "../../core/market.ts";
import { annotateCandle, ctxToSnapshot, PerpState, toFundingPoints } from "./perp.ts";
import { ActiveAssetCtxData, FundingHistoryRow } from "./schemas.ts";

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

Deno.test("funding rows that are not finite or beyond the 4 %/h cap are dropped and reported", () => {
  const row = (fundingRate: string, premium = "0.0", time = 0) =>
    FundingHistoryRow.parse({ coin: "BTC", fundingRate, premium, time });
  const rejected: string[] = [];
  const points = toFundingPoints([
    row("0.0000125", "0.0", 1),
    row("1e400", "0.0", 2),
    row("-1e400", "0.0", 3),
    row("0.9", "0.0", 4),
    row("-0.0401", "0.0", 5),
    row("0.04", "0.0", 6),
    row("0.0000125", "-1e999", 7),
  ], (why) => rejected.push(why));
  assert.deepEqual(points.map((p) => [p.time, p.rate]), [[1, 0.0000125], [6, 0.04]]);
  assert.equal(rejected.length, 5);
  assert.ok(points.every((p) => Number.isFinite(p.premium)));
});

Deno.test("a context snapshot needs finite numbers and positive finite prices", () => {
  const ctx = (x: Record<string, string>) =>
    ActiveAssetCtxData.parse({
      coin: "BTC",
      ctx: { funding: "0.0000125", openInterest: "10.0", oraclePx: "100.0", markPx: "100.0", ...x },
    });
  const cases: Record<string, string>[] = [
    { markPx: "1e400" },
    { oraclePx: "1e400" },
    { markPx: "0.0" },
    { premium: "-1e400" },
    { openInterest: "1e400" },
    { openInterest: "-1.0" },
    { funding: "1e400" },
    { funding: "-0.05" },
  ];
  for (const bad of cases) {
    assert.equal(typeof ctxToSnapshot(ctx(bad), 0), "string", JSON.stringify(bad));
  }
  assert.deepEqual(ctxToSnapshot(ctx({ premium: "0.0001" }), 5), {
    symbol: "BTC",
    time: 5,
    fundingRate: 0.0000125,
    openInterest: 10,
    markPrice: 100,
    oraclePrice: 100,
    premium: 0.0001,
  });
});

Deno.test("an annotation that would make the candle invalid is left off, the rest kept", () => {
  const c: Candle = { time: 0, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 };
  const rejected: string[] = [];
  const keep = (x: { fundingRate?: number; openInterest?: number }) =>
    annotateCandle(c, x, (why) => rejected.push(why));
  assert.deepEqual(keep({ fundingRate: 0.0001, openInterest: 7 }), {
    ...c,
    fundingRate: 0.0001,
    openInterest: 7,
  });
  assert.deepEqual(keep({ fundingRate: Infinity, openInterest: 7 }), { ...c, openInterest: 7 });
  assert.deepEqual(keep({ fundingRate: 0.0001, openInterest: -1 }), { ...c, fundingRate: 0.0001 });
  assert.deepEqual(keep({ fundingRate: NaN, openInterest: Infinity }), c);
  assert.deepEqual(keep({}), c);
  assert.equal(rejected.length, 4);
});
