/**
 * The five categories: ids, clamps and weights of the original system (perptrix-behaviour.md
 * §3.1, §3.5), discovery through the registry, and clamped scores of real indicator signals.
 */
import assert from "node:assert/strict";
import { type Candle, type Category, categoryScore, type IndicatorSignal } from "../mod.ts";
import { discover } from "../core/registry.ts";
import momentum from "../plugins/categories/momentum.ts";
import trend from "../plugins/categories/trend.ts";
import volatility from "../plugins/categories/volatility.ts";
import volume from "../plugins/categories/volume.ts";
import perp from "../plugins/categories/perp.ts";
import funding, { FUNDING_SIGNALS } from "../plugins/indicators/funding.ts";
import openInterest, { OPEN_INTEREST_SIGNALS } from "../plugins/indicators/open_interest.ts";
import volumeProfile, { VOLUME_PROFILE_SIGNALS } from "../plugins/indicators/volume_profile.ts";

const ALL: Category[] = [momentum, trend, volatility, volume, perp];

function sig(score: number, state = "X"): IndicatorSignal {
  return { score, state, reason: "" };
}

Deno.test("categories: ids, clamps and weights of the original table", () => {
  const table = ALL.map((c) => [c.kind, c.id, c.clamp, c.weight, c.combine]);
  assert.deepEqual(table, [
    ["category", "momentum", [-3, 3], 0.25, undefined],
    ["category", "trend", [-3, 3], 0.30, undefined],
    ["category", "volatility", [-2, 2], 0.15, undefined],
    ["category", "volume", [-2, 2], 0.15, undefined],
    ["category", "perp", [-2, 2], 0.15, undefined],
  ]);
  const sum = ALL.reduce((a, c) => a + c.weight, 0);
  assert.ok(Math.abs(sum - 1) < 1e-12, `weights sum to ${sum}`);
  for (const c of ALL) assert.ok(c.description.length > 0);
});

Deno.test("categories: the registry discovers all five from plugins/categories", async () => {
  const reg = await discover({
    roots: [{ kind: "category", dir: new URL("../plugins/categories/", import.meta.url) }],
  });
  assert.deepEqual([...reg.categories.keys()].sort(), [
    "momentum",
    "perp",
    "trend",
    "volatility",
    "volume",
  ]);
  // The perp and volume indicators of this package name registered categories.
  for (const ind of [funding, openInterest, volumeProfile]) {
    assert.ok(reg.categories.has(ind.category), `${ind.id} → ${ind.category}`);
  }
});

Deno.test("categories: default combine is the sum, clamped to the category's range", () => {
  // Perp: the two strongest bullish perp states together exceed +2.
  assert.equal(
    categoryScore(perp, [OPEN_INTEREST_SIGNALS.BullishExpansion, FUNDING_SIGNALS.ExtremeShortBias]),
    2,
  );
  assert.equal(
    categoryScore(perp, [OPEN_INTEREST_SIGNALS.BearishExpansion, FUNDING_SIGNALS.ExtremeLongBias]),
    -2,
  );
  assert.equal(
    categoryScore(perp, [OPEN_INTEREST_SIGNALS.ShortSqueeze, FUNDING_SIGNALS.NeutralPositive]),
    0,
  );
  assert.equal(
    categoryScore(perp, [OPEN_INTEREST_SIGNALS.LongSqueeze, FUNDING_SIGNALS.Neutral]),
    -1,
  );
  // Volume: OBV divergence (+2) with POC support (+1) clamps to 2.
  assert.equal(categoryScore(volume, [sig(2), VOLUME_PROFILE_SIGNALS.POCSupport]), 2);
  assert.equal(categoryScore(volume, [sig(-2), VOLUME_PROFILE_SIGNALS.POCResistance]), -2);
  assert.equal(categoryScore(volume, [sig(1), VOLUME_PROFILE_SIGNALS.NearLVN]), 1);
  // Momentum/trend clamp at ±3, volatility at ±2.
  assert.equal(categoryScore(momentum, [sig(2), sig(2)]), 3);
  assert.equal(categoryScore(trend, [sig(-2), sig(-2)]), -3);
  assert.equal(categoryScore(trend, [sig(-2), sig(1)]), -1);
  assert.equal(categoryScore(volatility, [sig(1), sig(1), sig(1)]), 2);
  assert.equal(categoryScore(volatility, []), 0);
});

Deno.test("categories: perp score over a hand-built market — crowded longs then a squeeze", () => {
  const H = 3_600_000;
  const T0 = Date.UTC(2025, 0, 1);
  const fp = funding.params.parse({});
  const op = openInterest.params.parse({});
  const fs = funding.create(fp);
  const os = openInterest.create(op);
  const scores: number[] = [];
  // 30 h: funding 20× baseline (crowded longs), OI +3 %/h, price rising.
  // Then 6 h: price falling, OI −3 %/h (long liquidations), funding still high.
  let oi = 1000;
  let px = 100;
  for (let h = 0; h < 36; h++) {
    const rising = h < 30;
    oi *= rising ? 1.03 : 0.97;
    px *= rising ? 1.005 : 0.99;
    const c: Candle = {
      time: T0 + h * H,
      open: px,
      high: px,
      low: px,
      close: px,
      volume: 1,
      fundingRate: 0.00025,
      openInterest: oi,
    };
    fs.update(c);
    os.update(c);
    scores.push(categoryScore(perp, [funding.evaluate(fs, fp), openInterest.evaluate(os, op)]));
  }
  // Rising phase: BullishExpansion (+2) + ExtremeLongBias (−2) = 0.
  assert.equal(scores[20], 0);
  // Falling phase: LongSqueeze (−1) + ExtremeLongBias (−2) = −3, clamped to −2.
  assert.equal(scores[35], -2);
  assert.equal(funding.evaluate(fs, fp).widenStops, true);
});
