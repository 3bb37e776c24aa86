import assert from "node:assert/strict";
import { BacktestConfigError, parseBacktestConfig } from "./config.ts";

Deno.test("config: defaults are Hyperliquid's base tier and next-open entries", () => {
  const c = parseBacktestConfig({});
  assert.equal(c.taker_fee, 0.00045);
  assert.equal(c.maker_fee, 0.00015);
  assert.equal(c.entry, "next_open");
  assert.equal(c.reverse_on_opposite, true);
  assert.deepEqual(parseBacktestConfig(undefined), c);
});

Deno.test("config: every bad value is reported with its key", () => {
  let e: BacktestConfigError | undefined;
  try {
    parseBacktestConfig({ risk_pct: -1, slippage_bps: Number.NaN, entry: "later", bogus: 1 });
  } catch (x) {
    e = x as BacktestConfigError;
  }
  assert.ok(e instanceof BacktestConfigError);
  const text = e.problems.join("\n");
  for (const k of ["risk_pct", "slippage_bps", "entry", "bogus"]) assert.match(text, new RegExp(k));
  assert.throws(() => parseBacktestConfig([]), BacktestConfigError);
});

Deno.test("config: Hyperliquid's $10 minimum order value and a 1 % ruin threshold by default", () => {
  const c = parseBacktestConfig({});
  assert.equal(c.min_notional, 10);
  assert.equal(c.ruin_pct, 1);
  assert.throws(() => parseBacktestConfig({ min_notional: -1 }), /min_notional/);
  assert.throws(() => parseBacktestConfig({ ruin_pct: 101 }), /ruin_pct/);
});
