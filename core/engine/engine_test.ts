import assert from "node:assert/strict";
import { candleAt, fakeCategory, scriptedIndicator, seedCategories } from "./_fakes.ts";
import { compileStrategy, SignalEngine } from "./engine.ts";
import { StrategyError } from "./strategy.ts";

const zero = () => ({ score: 0, state: "Neutral", reason: "" });
const plugins = () => ({
  indicators: [
    scriptedIndicator("trendy", "trend", zero, 5),
    scriptedIndicator("mom", "momentum", zero, 3),
    scriptedIndicator("atr", "volatility", zero, 14),
    scriptedIndicator("vol", "volume", zero),
    scriptedIndicator("fund", "perp", zero),
  ],
  categories: seedCategories(),
});

function problems(profile: unknown, p = plugins()): string[] {
  try {
    compileStrategy("t", profile, p);
  } catch (e) {
    assert.ok(e instanceof StrategyError, String(e));
    return e.problems;
  }
  assert.fail("compiled");
}

Deno.test("compile resolves order, members, weights, warm-up and the stops source", () => {
  const s = compileStrategy("t", {
    indicators: { fund: {}, trendy: {} },
    category_order: ["trend", "momentum", "volatility", "volume", "perp"],
    stops: { value: "range" },
  }, plugins());
  assert.deepEqual(s.indicators.map((i) => i.id), ["fund", "trendy", "mom", "atr", "vol"]);
  assert.deepEqual(s.categories.map((c) => c.id), [
    "trend",
    "momentum",
    "volatility",
    "volume",
    "perp",
  ]);
  assert.deepEqual(s.categories.map((c) => c.members), [[1], [2], [3], [4], [0]]);
  assert.deepEqual(s.categories.map((c) => c.weight), [0.30, 0.25, 0.15, 0.15, 0.15]);
  assert.equal(s.warmup, 14);
  assert.deepEqual(s.stopsSource, { indicator: 3, key: "range" });
  assert.equal(s.confidence.maxMagnitude, 10);
  assert.deepEqual(s.confidence.members, [0, 1, 3, 4]);
  assert.deepEqual(s.confidence.aligned, [0, 1]);
});

Deno.test("disabled indicators are left out; params are validated by the indicator's schema", () => {
  const s = compileStrategy("t", {
    indicators: { trendy: { enabled: false }, mom: { params: { k: 4 } } },
    stops: { indicator: "atr", value: "range" },
  }, plugins());
  assert.ok(!s.indicators.some((i) => i.id === "trendy"));
  assert.deepEqual(s.indicators.find((i) => i.id === "mom")!.params, { k: 4 });
  assert.equal(s.warmup, 14);
  const p = problems({ indicators: { mom: { params: { k: -1 } } } });
  assert.ok(p.some((x) => x.startsWith("indicators.mom.params.k:")), p.join("; "));
});

Deno.test("compile collects every problem in one error", () => {
  const p = problems({
    indicators: { nope: {}, atr: { enabled: false } },
    category_order: ["trend", "bogus"],
    confidence: { categories: ["trend", "nothing"] },
  });
  assert.ok(p.some((x) => x.startsWith("indicators.nope: no such indicator")), p.join("; "));
  assert.ok(p.some((x) => x.includes('"bogus"')), p.join("; "));
  assert.ok(p.some((x) => x.startsWith("confidence.categories")), p.join("; "));
  assert.ok(p.some((x) => x.startsWith("stops.indicator")), p.join("; "));
});

Deno.test("the stops value must be one of the indicator's outputs", () => {
  const p = problems({ stops: { indicator: "atr", value: "atr" } });
  assert.match(p[0], /has no output "atr" \(outputs: range\)/);
});

Deno.test("weighted scoring: weights validated against the categories in use", () => {
  assert.match(
    problems({
      scoring: "weighted",
      weights: { trend: 0.5, momentum: 0.5 },
      stops: { value: "range" },
    })[0],
    /weights\.volatility: has weight 0 but indicator "atr"/,
  );
  assert.match(
    problems({ weights: { trend: 0.5, nope: 0.5 }, stops: { value: "range" } })[0],
    /weights\.nope: no such category/,
  );
  const lopsided = {
    ...plugins(),
    categories: [...seedCategories().slice(1), fakeCategory("momentum", [-3, 3], 0.5)],
  };
  assert.match(
    problems({ scoring: "weighted", stops: { value: "range" } }, lopsided)[0],
    /default weights sum to 1\.25/,
  );
  const s = compileStrategy("t", {
    scoring: "weighted",
    weights: { trend: 0.4, momentum: 0.3, volatility: 0.1, volume: 0.1, perp: 0.1 },
    stops: { value: "range" },
  }, plugins());
  // No category_order: registry order (momentum first in the fakes).
  assert.deepEqual(s.categories.map((c) => c.id), [
    "momentum",
    "trend",
    "volatility",
    "volume",
    "perp",
  ]);
  assert.deepEqual(s.categories.map((c) => c.weight), [0.3, 0.4, 0.1, 0.1, 0.1]);
});

Deno.test("an indicator in an unregistered category is a problem", () => {
  const p = { ...plugins() };
  p.indicators = [...p.indicators, scriptedIndicator("odd", "sentiment", zero)];
  assert.match(
    problems({ stops: { value: "range" } }, p)[0],
    /category "sentiment" is not registered/,
  );
});

Deno.test("SignalEngine.compile uses built-in profiles by id and refuses unknown ones", () => {
  const e = new SignalEngine(plugins());
  assert.throws(() => e.compile("nope"), /no built-in profile "nope"/);
  // The built-in default names the ten seed indicators, which the fakes do not provide.
  assert.throws(() => e.compile("default"), /indicators\.ema_cross: no such indicator/);
  const s = e.compile("mine", { stops: { value: "range" } });
  const out = e.replay("X", "1m", s, Array.from({ length: 20 }, (_, i) => candleAt(i)));
  assert.equal(out.length, 20 - 14 + 1);
  assert.equal(out[0].time, candleAt(13).time);
});
