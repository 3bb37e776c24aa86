import assert from "node:assert/strict";
import type { IndicatorSignal } from "../indicator.ts";
import { riskCount, riskLevel, type RiskPlan } from "./risk.ts";

const SEED: RiskPlan = { weakBelow: 2, weakAdd: 1, highAt: 3, mediumAt: 1 };

// The §3.4 rules as the indicator plugins carry them.
const sig = (state: string, risk?: (t: number) => number): IndicatorSignal => ({
  score: 0,
  state,
  reason: "",
  risk,
});
const regimeHigh = sig("High", () => 2);
const extremeLong = sig("ExtremeLongBias", (s) => (s >= 0 ? 2 : -1));
const extremeShort = sig("ExtremeShortBias", (s) => (s <= 0 ? 2 : -1));
const highLong = sig("HighLongBias", () => 1);
const divergence = sig("BullishDivergence", () => -1);
const plain = sig("Neutral");

Deno.test("risk rules of §3.4: table", () => {
  const table: [IndicatorSignal[], number, number, string][] = [
    [[plain], 5, 0, "nothing: Low"],
    [[plain], 1, 1, "weak total adds 1"],
    [[plain], -1.5, 1, "weak both sides"],
    [[plain], 2, 0, "|2| is not < 2"],
    [[plain], -2, 0, "|-2| is not < 2"],
    [[regimeHigh], 5, 2, "high volatility +2"],
    [[regimeHigh], 0, 3, "high volatility + weak"],
    [[extremeLong], 4, 2, "trading with the long crowd"],
    [[extremeLong], -4, -1, "fading the long crowd"],
    [[extremeLong], 0, 3, "S = 0 counts as with the crowd, and weak"],
    [[extremeShort], -4, 2, "trading with the short crowd"],
    [[extremeShort], 2, -1, "§8.4 downtrend row: r = -1"],
    [[highLong], 2, 1, "high funding +1"],
    [[divergence], 5, -1, "divergence lowers risk"],
    [[regimeHigh, highLong, divergence], 3, 2, "sum of all"],
  ];
  for (const [signals, total, want, why] of table) {
    assert.equal(riskCount(signals, total, SEED), want, why);
  }
});

Deno.test("risk levels: ≥3 High, 1..2 Medium, ≤0 Low", () => {
  const table: [number, string][] = [
    [5, "High"],
    [3, "High"],
    [2, "Medium"],
    [1, "Medium"],
    [0, "Low"],
    [-1, "Low"],
  ];
  for (const [r, want] of table) assert.equal(riskLevel(r, SEED), want, `r = ${r}`);
});

Deno.test("a risk function returning NaN is reported, not summed", () => {
  assert.throws(() => riskCount([sig("Broken", () => NaN)], 1, SEED), /returned NaN/);
});
