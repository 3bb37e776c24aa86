import assert from "node:assert/strict";
import type { Candle } from "../candle.ts";
import { loadFunding } from "../../tests/data.ts";
import { candleAt } from "./_fakes.ts";
import { FundingCursor, fundingRateAt, joinFunding } from "./funding_join.ts";

const H = 3_600_000;
const hourly = (n: number, extra: Partial<Candle> = {}): Candle[] =>
  Array.from({ length: n }, (_, i) => ({ ...candleAt(0), time: i * H, ...extra }));

Deno.test("as-of join at the candle close, normalised per hour", () => {
  // 8-hourly settlements at 0 h and 8 h; hourly candles 0 h..9 h.
  const points = [
    { time: 0, rate: 0.0008, periodHours: 8 },
    { time: 8 * H, rate: -0.0016, periodHours: 8 },
  ];
  const candles = hourly(10);
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

Deno.test("a settlement exactly at a candle's close is known to that candle (≤, not <)", () => {
  // Kept from the former backtest-only join, rewritten to the core rule. 8-hourly settlements at
  // 1 h (0.0008 → 0.0001/h) and 9 h (0.0016 → 0.0002/h).
  const pts = [
    { time: 1 * H, rate: 0.0008, periodHours: 8 },
    { time: 9 * H, rate: 0.0016, periodHours: 8 },
  ];
  const cs = [0, 1, 7, 8, 9].map((h) => ({ ...candleAt(0), time: h * H }));
  const out = joinFunding(cs, pts, H).candles;
  // c0 closes at 1 h = the first settlement: known. c1 (closes 2 h) and c7 (closes 8 h, 7 h old,
  // within 2 × 8 h) keep 0.0001. c8 closes at 9 h = the second settlement: 0.0002; c9 too.
  assert.deepEqual(out.map((c) => c.fundingRate), [0.0001, 0.0001, 0.0001, 0.0002, 0.0002]);
});

Deno.test("no look-ahead, nothing before the first settlement, stale rates dropped", () => {
  const points = [{ time: 5 * H + 1, rate: 0.0001, periodHours: 1 }];
  const candles = hourly(10);
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

Deno.test("maxAgePeriods moves the staleness limit; the limit itself is still fresh", () => {
  const points = [{ time: 0, rate: 0.0003, periodHours: 1 }];
  // maxAgePeriods 3: candle k closes at (k+1) h, age (k+1) h; fresh while ≤ 3 h → k = 0, 1, 2.
  const { candles: out, joined } = joinFunding(hourly(5), points, H, { maxAgePeriods: 3 });
  assert.deepEqual(out.map((c) => c.fundingRate), [0.0003, 0.0003, 0.0003, undefined, undefined]);
  assert.equal(joined, 3);
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

Deno.test("cursor: own rates do not win, and a candle is copied only when it must change", () => {
  // Kept from the former backtest-only join (where a candle's own rate won), rewritten to the
  // core rule. One hourly settlement at 5 h + 48 ms of 0.00001.
  const j = new FundingCursor([{ time: 5 * H + 48, rate: 0.00001, periodHours: 1 }], H);
  const c4 = { ...candleAt(0), time: 4 * H };
  assert.equal(j.attach(c4), c4, "nothing known at 5 h: same object");
  assert.equal(j.attached, false);
  // c5 closes at 6 h: the settlement is 1 h − 48 ms old.
  const c5 = j.attach({ ...candleAt(0), time: 5 * H });
  assert.equal(c5.fundingRate, 0.00001);
  assert.equal(j.attached, true);
  // c6 closes at 7 h and already carries the right rate: returned as is.
  const c6 = { ...candleAt(0), time: 6 * H, fundingRate: 0.00001 };
  assert.equal(j.attach(c6), c6);
  // c7 closes at 8 h: 3 h − 48 ms > 2 h old, stale, so its own 0.5 is removed (a new object).
  const c7 = { ...candleAt(0), time: 7 * H, fundingRate: 0.5 };
  const out7 = j.attach(c7);
  assert.notEqual(out7, c7);
  assert.ok(!("fundingRate" in out7));
  assert.equal(c7.fundingRate, 0.5, "input not modified");
  // An explicit `fundingRate: undefined` key is dropped too (same shape as a candle without one).
  const out8 = j.attach({ ...candleAt(0), time: 8 * H, fundingRate: undefined });
  assert.ok(!("fundingRate" in out8));
});

Deno.test("a joined candle keeps the Candle fields that are set, with the same values", () => {
  const c: Candle = { ...candleAt(3), trades: 42, openInterest: 1234.5, fundingRate: 0.9 };
  const pts = [{ time: 0, rate: 0.0004, periodHours: 8 }];
  // Closes at 3 min + 1 min: the 0 h settlement is 4 min old, fresh; 0.0004 / 8 = 0.00005.
  const [out] = joinFunding([c], pts, 60_000).candles;
  assert.deepEqual(out, { ...c, fundingRate: 0.00005 });
  // Stale (maxAgePeriods 0 and 4 min old): the rate is removed, everything else kept.
  const [stale] = joinFunding([c], pts, 60_000, { maxAgePeriods: 0 }).candles;
  const { fundingRate: _f, ...rest } = c;
  assert.deepEqual(stale, rest);
  // A plain candle gets exactly OHLCV + time + the rate (no optional keys appear).
  const [plain] = joinFunding([candleAt(3)], pts, 60_000).candles;
  assert.deepEqual(Object.keys(plain).sort(), [
    "close",
    "fundingRate",
    "high",
    "low",
    "open",
    "time",
    "volume",
  ]);
});

Deno.test("cursor: disordered settlements, a zero period and candles going back are refused", () => {
  const backwards = [{ time: 2 * H, rate: 0, periodHours: 1 }, {
    time: H,
    rate: 0,
    periodHours: 1,
  }];
  assert.throws(
    () => new FundingCursor(backwards, H),
    /settlement 1: time 3600000 is before the previous/,
  );
  assert.throws(
    () => new FundingCursor([{ time: H, rate: 0.001, periodHours: 0 }], H),
    /periodHours 0/,
  );
  assert.throws(() => new FundingCursor([], 0), RangeError);
  const j = new FundingCursor([], H);
  j.attach({ ...candleAt(0), time: 2 * H });
  j.attach({ ...candleAt(0), time: 2 * H }); // equal times are allowed
  assert.throws(() => j.attach({ ...candleAt(0), time: H }), /before the previous candle/);
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

Deno.test("fundingRateAt: the same rule by binary search (≤ close, per hour, stale after 2 periods)", () => {
  const pts = [
    { time: 0, rate: 0.0008, periodHours: 8 },
    { time: 8 * H, rate: -0.0016, periodHours: 8 },
  ];
  assert.equal(fundingRateAt(pts, -1), undefined); // before the first settlement
  assert.equal(fundingRateAt(pts, 0), 0.0001); // exactly at it: known
  assert.equal(fundingRateAt(pts, 8 * H - 1), 0.0001);
  assert.equal(fundingRateAt(pts, 8 * H), -0.0002);
  assert.equal(fundingRateAt(pts, 24 * H), -0.0002); // 16 h old = 2 periods: still fresh
  assert.equal(fundingRateAt(pts, 24 * H + 1), undefined); // older: stale
  assert.equal(fundingRateAt(pts, 24 * H + 1, { maxAgePeriods: 3 }), -0.0002);
  assert.equal(fundingRateAt([], 0), undefined);
});

Deno.test("fundingRateAt agrees with the cursor on real Hyperliquid funding and 8-hourly Binance", () => {
  for (
    const file of [
      "hyperliquid-btc-funding-1h-2023-05_2025-07.csv",
      "binance-btcusdt-perp-funding-8h-2021-06_2026-02.csv",
    ]
  ) {
    const points = loadFunding(file);
    const start = points[0].time - 5 * H;
    const end = points[points.length - 1].time + 30 * H;
    const cursor = new FundingCursor(points, H);
    let joined = 0;
    for (let t = start; t < end; t += H) {
      const fromCursor = cursor.attach({ ...candleAt(0), time: t }).fundingRate;
      assert.equal(fundingRateAt(points, t + H), fromCursor, `${file} at ${t}`);
      if (fromCursor !== undefined) joined++;
    }
    assert.ok(joined > 10_000, `${file}: ${joined} candles joined`);
  }
});
