import assert from "node:assert/strict";
import { exactPriceRule, sigFigPriceRule } from "../price_rule.ts";
import { stopDistances, stopPrices, type StopsPlan } from "./stops.ts";

const SEED: StopsPlan = {
  slMult: 1.2,
  tpMult: 2.0,
  widenSl: 1.2,
  widenTp: 1.1,
  minSlPct: 0,
  maxSlPct: Infinity,
};
const close = (a: number, b: number, eps = 1e-9) =>
  assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

Deno.test("SL/TP distances: ATR × 1.2 and × 2.0 as % of price (table)", () => {
  const table: [number, number, number, number][] = [
    [10, 100, 12, 20], // §4.2 example
    [250, 50_000, 0.6, 1],
    [0.7, 224.6, 0.3740, 0.6233], // §8.4 uptrend (4 decimals in the spec)
    [6.64734, 127.9, 6.2368, 10.3946], // §8.4 volatile
    [1.02693, 99.5, 1.2385, 2.0642], // §8.4 ranging
  ];
  for (const [atr, price, sl, tp] of table) {
    const d = stopDistances(atr, price, SEED, false)!;
    close(d.sl_pct, sl, 5e-5);
    close(d.tp_pct, tp, 5e-5);
    assert.equal(d.widened, false);
  }
});

Deno.test("funding widening multiplies SL by 1.2 and TP by 1.1", () => {
  const d = stopDistances(10, 100, SEED, true)!;
  close(d.sl_pct, 14.4);
  close(d.tp_pct, 22);
  assert.equal(d.widened, true);
});

Deno.test("min/max SL% bound the stop and scale TP to keep reward/risk", () => {
  const plan = { ...SEED, minSlPct: 0.5, maxSlPct: 5 };
  const tiny = stopDistances(0.01, 100, plan, false)!; // raw SL 0.012 %, TP 0.02 %
  close(tiny.sl_pct, 0.5);
  close(tiny.tp_pct, 0.5 * 2 / 1.2);
  const huge = stopDistances(10, 100, plan, false)!; // raw SL 12 %
  close(huge.sl_pct, 5);
  close(huge.tp_pct, 5 * 2 / 1.2);
  const mid = stopDistances(1, 100, plan, false)!; // 1.2 %: inside the bounds
  close(mid.sl_pct, 1.2);
  close(mid.tp_pct, 2);
});

Deno.test("no volatility value, or a bad price, gives no stops", () => {
  for (const v of [null, undefined, 0, -1, NaN, Infinity]) {
    assert.equal(stopDistances(v, 100, SEED, false), undefined, String(v));
  }
  assert.equal(stopDistances(1, 0, SEED, false), undefined);
  assert.equal(stopDistances(1, NaN, SEED, false), undefined);
});

Deno.test("absolute prices sit on the right side for the direction", () => {
  const d = { sl_pct: 2, tp_pct: 5, widened: false };
  assert.deepEqual(stopPrices("Long", 100, d, exactPriceRule), { sl_price: 98, tp_price: 105 });
  assert.deepEqual(stopPrices("Short", 100, d, exactPriceRule), { sl_price: 102, tp_price: 95 });
  assert.deepEqual(stopPrices("Neutral", 100, d, exactPriceRule), {
    sl_price: null,
    tp_price: null,
  });
});

Deno.test("rounding: SL away from the entry, TP toward it (Hyperliquid BTC and ETH rules)", () => {
  const btc = sigFigPriceRule(5, 6 - 5); // szDecimals 5
  const d = { sl_pct: 0.37399821905609976, tp_pct: 0.6233303650934996, widened: false };
  // Long at 113080: SL 112657.08… → 112657 (down), TP 113784.85… → 113784 (down, toward entry).
  assert.deepEqual(stopPrices("Long", 113080, d, btc), { sl_price: 112657, tp_price: 113784 });
  // Short: SL 113502.92… → 113503 (up), TP 112375.14… → 112376 (up, toward entry).
  assert.deepEqual(stopPrices("Short", 113080, d, btc), { sl_price: 113503, tp_price: 112376 });
  const eth = sigFigPriceRule(5, 6 - 4); // szDecimals 4: 0.1 tick at 3650
  const e = stopPrices("Long", 3650, { sl_pct: 1, tp_pct: 2, widened: false }, eth);
  assert.deepEqual(e, { sl_price: 3613.5, tp_price: 3723 });
});

Deno.test("a TP within one tick of the entry moves outward rather than onto the entry", () => {
  const btc = sigFigPriceRule(5, 1);
  const d = { sl_pct: 0.0001, tp_pct: 0.0002, widened: false }; // 0.1 / 0.2 USD at 100000
  assert.deepEqual(stopPrices("Long", 100000, d, btc), { sl_price: 99999, tp_price: 100001 });
  assert.deepEqual(stopPrices("Short", 100000, d, btc), { sl_price: 100001, tp_price: 99999 });
});

Deno.test("a long's SL at or beyond 100 % and a short's TP at or below zero have no price", () => {
  const d = { sl_pct: 100, tp_pct: 150, widened: false };
  assert.deepEqual(stopPrices("Long", 10, d, exactPriceRule), { sl_price: null, tp_price: 25 });
  assert.deepEqual(stopPrices("Short", 10, d, exactPriceRule), { sl_price: 20, tp_price: null });
});
