import assert from "node:assert/strict";
import {
  BUILTIN_PROFILES,
  DEFAULT_PROFILE_INPUT,
  effectiveThresholds,
  effectiveWeakBelow,
  INTEGER_THRESHOLDS,
  parseProfile,
  StrategyError,
  WEIGHTED_THRESHOLDS,
} from "./strategy.ts";

function problems(input: unknown): string[] {
  try {
    parseProfile("t", input);
  } catch (e) {
    assert.ok(e instanceof StrategyError);
    return e.problems;
  }
  assert.fail("profile was accepted");
}

Deno.test("the default profile reproduces the seed's numbers", () => {
  const p = parseProfile("default", DEFAULT_PROFILE_INPUT);
  assert.equal(p.scoring, "integer");
  assert.deepEqual(effectiveThresholds(p), {
    strong_long: 7,
    long: 3,
    short: -3,
    strong_short: -7,
  });
  assert.deepEqual(p.confidence, {
    categories: ["trend", "momentum", "volume", "perp"],
    aligned: ["trend", "momentum"],
    boost: 1.2,
    penalty: 0.8,
  });
  assert.equal(effectiveWeakBelow(p), 2);
  assert.deepEqual(p.risk, { weak_below: 2, weak_add: 1, high_at: 3, medium_at: 1 });
  assert.equal(p.stops.sl_mult, 1.2);
  assert.equal(p.stops.tp_mult, 2.0);
  assert.equal(p.stops.widen_sl, 1.2);
  assert.equal(p.stops.widen_tp, 1.1);
  assert.equal(p.stops.indicator, "atr");
  assert.equal(p.stops.min_sl_pct, 0);
  assert.equal(p.stops.max_sl_pct, undefined);
  assert.deepEqual(Object.keys(p.indicators), [
    "ema_cross",
    "supertrend",
    "rsi",
    "macd",
    "bollinger",
    "atr",
    "obv",
    "volume_profile",
    "open_interest",
    "funding",
  ]);
});

Deno.test("an empty profile gets the seed defaults; scoring picks threshold defaults", () => {
  const p = parseProfile("t", {});
  assert.equal(p.scoring, "integer");
  assert.deepEqual(effectiveThresholds(p), INTEGER_THRESHOLDS);
  const w = parseProfile("t", { scoring: "weighted" });
  assert.deepEqual(effectiveThresholds(w), WEIGHTED_THRESHOLDS);
  assert.equal(effectiveWeakBelow(w), 2 / 12);
});

Deno.test("every built-in profile is valid", () => {
  for (const [id, body] of Object.entries(BUILTIN_PROFILES)) parseProfile(id, body);
});

Deno.test("weights must sum to 1", () => {
  assert.match(problems({ weights: { trend: 0.5, momentum: 0.4 } })[0], /sum to 1, got 0\.9/);
  parseProfile("t", {
    weights: { trend: 0.3, momentum: 0.25, volatility: 0.15, volume: 0.15, perp: 0.15 },
  });
  assert.ok(problems({ weights: { trend: 1.5, momentum: -0.5 } }).length >= 1);
});

Deno.test("thresholds may not overlap and weighted thresholds must be reachable", () => {
  const p = problems({ thresholds: { strong_long: 2, long: 3, short: 3, strong_short: 4 } });
  assert.equal(p.length, 3, p.join("; "));
  assert.match(
    problems({ thresholds: { strong_long: 7, long: 3, short: 3, strong_short: -7 } })[0],
    /no overlap/,
  );
  const w = problems({ scoring: "weighted", thresholds: INTEGER_THRESHOLDS });
  assert.equal(w.length, 4);
  assert.match(w[0], /can never be reached/);
});

Deno.test("bad values and unknown keys are rejected with their path", () => {
  assert.match(problems({ scoring: "median" })[0], /^scoring:/);
  assert.match(problems({ stops: { sl_mult: -1 } })[0], /^stops\.sl_mult:/);
  assert.match(problems({ stops: { sl_mult: NaN } })[0], /^stops\.sl_mult:/);
  assert.match(problems({ stops: { max_sl_pct: 100 } })[0], /^stops\.max_sl_pct:/);
  assert.match(problems({ stops: { min_sl_pct: 2, max_sl_pct: 1 } })[0], /max_sl_pct must be ≥/);
  assert.match(problems({ risk: { high_at: 1, medium_at: 1 } })[0], /high_at must be > medium_at/);
  assert.match(
    problems({ indicators: { rsi: { enabled: "yes" } } })[0],
    /^indicators\.rsi\.enabled:/,
  );
  assert.match(problems({ indicators: { RSI: {} } })[0], /^indicators/);
  assert.match(problems({ surprise: 1 })[0], /surprise/);
  assert.match(problems(null)[0], /^\(root\)/);
  assert.match(problems([])[0], /^\(root\)/);
});
