import assert from "node:assert/strict";
import { type Candle, candleProblem } from "../candle.ts";
import { isValidCandle } from "./candle_check.ts";

const GOOD: Candle = { time: 60_000, open: 100, high: 102, low: 99, close: 101, volume: 5 };

Deno.test("the yes/no rule agrees with candleProblem on hand-picked candles", () => {
  const bad: [string, unknown][] = [
    ["null", null],
    ["number", 5],
    ["time NaN", { ...GOOD, time: NaN }],
    ["time fraction", { ...GOOD, time: 1.5 }],
    ["time negative", { ...GOOD, time: -60_000 }],
    ["time unsafe", { ...GOOD, time: 2 ** 53 }],
    ["time string", { ...GOOD, time: "60000" }],
    ["open 0", { ...GOOD, open: 0 }],
    ["open Infinity", { ...GOOD, open: Infinity, high: Infinity }],
    ["high string", { ...GOOD, high: "102" }],
    ["low -1", { ...GOOD, low: -1 }],
    ["close NaN", { ...GOOD, close: NaN }],
    ["volume -1", { ...GOOD, volume: -1 }],
    ["volume missing", { ...GOOD, volume: undefined }],
    ["high < low", { ...GOOD, high: 98 }],
    ["high < close", { ...GOOD, high: 100.5 }],
    ["low > open", { ...GOOD, low: 100.5 }],
    ["low > close", { ...GOOD, open: 101.5, close: 100.5, low: 101 }],
    ["high < open", { ...GOOD, open: 102.5 }],
    ["trades fraction", { ...GOOD, trades: 1.5 }],
    ["trades negative", { ...GOOD, trades: -1 }],
    ["fundingRate Infinity", { ...GOOD, fundingRate: Infinity }],
    ["fundingRate null", { ...GOOD, fundingRate: null }],
    ["openInterest -1", { ...GOOD, openInterest: -1 }],
    ["openInterest string", { ...GOOD, openInterest: "5" }],
  ];
  const good: [string, Candle][] = [
    ["plain", GOOD],
    ["volume 0, flat bar", { ...GOOD, open: 100, high: 100, low: 100, close: 100, volume: 0 }],
    ["time 0", { ...GOOD, time: 0 }],
    ["perp context", { ...GOOD, trades: 0, fundingRate: -0.0001, openInterest: 0 }],
  ];
  for (const [why, c] of bad) {
    assert.notEqual(candleProblem(c as Candle), undefined, why);
    assert.equal(isValidCandle(c as Candle), false, why);
  }
  for (const [why, c] of good) {
    assert.equal(candleProblem(c), undefined, why);
    assert.equal(isValidCandle(c), true, why);
  }
});

Deno.test("property: isValidCandle(c) exactly when candleProblem(c) is undefined", async () => {
  const fc = (await import("fast-check")).default;
  const num = fc.oneof(
    fc.constantFrom(0, -0, 1, 100, 101, 99, NaN, Infinity, -Infinity, -1, 1.5, 2 ** 53, "5", null),
    fc.double({ min: -10, max: 200 }),
    fc.integer({ min: -5, max: 5 }),
  );
  const opt = fc.option(num, { nil: undefined });
  const candle = fc.record({
    time: fc.oneof(num, fc.integer({ min: 0, max: 2 ** 40 })),
    open: num,
    high: num,
    low: num,
    close: num,
    volume: num,
    trades: opt,
    fundingRate: opt,
    openInterest: opt,
  }, { requiredKeys: ["time", "open", "high", "low", "close", "volume"] });
  // Mostly valid bars too, so the accepting side is exercised as much as the refusing one.
  const bar = fc.tuple(
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.double({ min: 1, max: 200, noNaN: true }),
    fc.double({ min: 1, max: 200, noNaN: true }),
    fc.double({ min: 0, max: 10, noNaN: true }),
  ).map(([time, a, b, volume]) => ({
    time,
    open: a,
    high: Math.max(a, b),
    low: Math.min(a, b),
    close: b,
    volume,
  }));
  // A valid bar with one field replaced: every single rule gets broken on its own.
  const field = fc.constantFrom(
    "time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "trades",
    "fundingRate",
    "openInterest",
  );
  const perturbed = fc.tuple(bar, field, num).map(([b, k, v]) => ({ ...b, [k]: v }));
  let valid = 0;
  fc.assert(
    fc.property(fc.oneof(candle, bar, perturbed), (c) => {
      const ok = candleProblem(c as Candle) === undefined;
      if (ok) valid++;
      assert.equal(isValidCandle(c as Candle), ok, JSON.stringify(c));
    }),
    { numRuns: 5000 },
  );
  assert.ok(valid > 1000, `only ${valid} valid candles generated`);
});
