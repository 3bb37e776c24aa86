/**
 * The engine holds plugins to their declared contract: signal states among `states`, `values()`
 * keys equal to `outputs`, and `create` / `warmup` / `combine` failures reported naming the
 * plugin (and its file, when the plugins came from a registry).
 */
import assert from "node:assert/strict";
import { z } from "zod";
import type { Candle } from "../candle.ts";
import type { Indicator, IndicatorSignal, IndicatorState, IndicatorValues } from "../indicator.ts";
import { discover } from "../registry.ts";
import { candleAt, fakeCategory, scriptedIndicator, seedCategories } from "./_fakes.ts";
import type { DecisionColumns } from "./decision_columns.ts";
import { compileStrategy, type EnginePlugins, SignalEngine } from "./engine.ts";
import { PluginFailure } from "./series.ts";
import { StrategyError } from "./strategy.ts";

const NEUTRAL: IndicatorSignal = Object.freeze({ score: 0, state: "Neutral", reason: "" });
const UP: IndicatorSignal = Object.freeze({ score: 1, state: "Up", reason: "up" });

interface CountState extends IndicatorState {
  n: number;
}

/** A "momentum" indicator declaring states Up/Neutral and outputs ["x"], with overrides. */
function plugin(
  id: string,
  opts: {
    evaluate?: (n: number) => IndicatorSignal;
    values?: (n: number) => IndicatorValues;
    create?: () => void;
    warmup?: () => number;
  } = {},
): Indicator<{ period: number }, CountState> {
  return {
    kind: "indicator",
    id,
    category: "momentum",
    description: `guard test ${id}`,
    params: z.object({ period: z.number().int().min(1).default(3) }),
    outputs: ["x"],
    states: ["Up", "Neutral"],
    warmup: opts.warmup ?? ((p) => p.period),
    create() {
      opts.create?.();
      const s: CountState = {
        n: 0,
        get count() {
          return s.n;
        },
        update(_c: Candle) {
          s.n++;
        },
        values: () => opts.values?.(s.n) ?? { x: s.n },
      };
      return s;
    },
    evaluate: (s) => opts.evaluate?.(s.n) ?? NEUTRAL,
  };
}

const zero = () => NEUTRAL;

/** The five seed-category fakes plus `extra`; `sources` as a registry would give them. */
function pluginsWith(
  extra: Indicator<{ period: number }, CountState>[],
  categories = seedCategories(),
  sources?: Map<string, string>,
): EnginePlugins {
  return {
    indicators: [
      scriptedIndicator("ema", "trend", zero),
      scriptedIndicator("rsi", "momentum", zero),
      scriptedIndicator("atr", "volatility", zero),
      scriptedIndicator("obv", "volume", zero),
      scriptedIndicator("funding", "perp", zero),
      ...extra,
    ] as Indicator[],
    categories,
    sources,
  };
}

const PROFILE = { stops: { indicator: "atr", value: "range" } };

function seriesOf(plugins: EnginePlugins) {
  return new SignalEngine(plugins).series("X", "1m", compileStrategy("p", PROFILE, plugins));
}

function columns(n: number): DecisionColumns {
  return { direction: new Int8Array(n), sl: new Float64Array(n), tp: new Float64Array(n) };
}

const candles = Array.from({ length: 20 }, (_, i) => candleAt(i));

Deno.test("a signal whose state the plugin does not declare is refused, naming it", () => {
  // Bogus from the 5th candle on, then a declared state again from the 7th.
  const bad = plugin("badstate", {
    evaluate: (n) =>
      n === 5 || n === 6 ? Object.freeze({ score: 1, state: "Bogus", reason: "bogus" }) : UP,
  });
  const s = seriesOf(pluginsWith([bad]));
  for (let i = 0; i < 4; i++) s.update(candles[i]);
  for (const i of [4, 5]) {
    assert.throws(
      () => s.update(candles[i]),
      (e) =>
        e instanceof PluginFailure &&
        /indicator "badstate" returned state "Bogus", not one of its declared states \(Up, Neutral\)/
          .test(e.message),
    );
  }
  // As for a NaN score: the next good signal evaluates normally.
  const r = s.update(candles[6])!;
  assert.equal(r.categories.find((c) => c.id === "momentum")!.score, 1);
});

Deno.test("an undeclared state is refused by decide and decideBlock as by update", () => {
  const bogus = (n: number) =>
    n >= 5 ? { score: 1, state: "Bogus", reason: "" } : Object.freeze({ ...UP });
  const decided = seriesOf(pluginsWith([plugin("badstate", { evaluate: bogus })]));
  for (let i = 0; i < 4; i++) decided.decide(candles[i]);
  assert.throws(() => decided.decide(candles[4]), /"badstate" returned state "Bogus"/);
  const blocked = seriesOf(pluginsWith([plugin("badstate", { evaluate: bogus })]));
  assert.throws(
    () => blocked.decideBlock(candles, 0, 10, columns(10)),
    (e) => e instanceof PluginFailure && /"badstate" returned state "Bogus"/.test(e.message),
  );
});

Deno.test("values() keys must be the declared outputs: missing and extra keys are named", () => {
  const bad = plugin("badvalues", { values: (n) => ({ y: n }) });
  const s = seriesOf(pluginsWith([bad]));
  assert.equal(s.update(candles[0]), undefined);
  assert.equal(s.update(candles[1]), undefined);
  assert.throws(
    () => s.update(candles[2]),
    (e) =>
      e instanceof PluginFailure &&
      /X 1m: indicator "badvalues" values\(\) keys do not match its outputs \("x"\): missing "x"; extra "y"/
        .test(e.message),
  );
  // Not a one-candle glitch: the plugin breaks its contract, the series fails for good.
  assert.throws(
    () => s.update(candles[3]),
    (e) => e instanceof PluginFailure && /failed earlier: .*"badvalues"/.test(e.message),
  );
});

Deno.test("values() keys are checked by decide and decideBlock too", () => {
  const decided = seriesOf(pluginsWith([plugin("badvalues", { values: () => ({}) })]));
  decided.decide(candles[0]);
  decided.decide(candles[1]);
  assert.throws(() => decided.decide(candles[2]), /"badvalues" values\(\) .*missing "x"/);
  const blocked = seriesOf(pluginsWith([plugin("badvalues", { values: () => ({}) })]));
  // The block ends before the first evaluation: nothing checked yet.
  blocked.decideBlock(candles, 0, 2, columns(2));
  assert.throws(
    () => blocked.decideBlock(candles, 2, 10, columns(8)),
    (e) => e instanceof PluginFailure && /"badvalues" values\(\) .*missing "x"/.test(e.message),
  );
  assert.equal(blocked.count, 3, "the first warm candle was taken, as one at a time");
  // The check comes before an evaluation failure of the same candle, as one at a time.
  const both = {
    values: () => ({}),
    evaluate: (n: number) => {
      if (n === 3) throw new Error("eval boom");
      return NEUTRAL;
    },
  };
  assert.throws(
    () => seriesOf(pluginsWith([plugin("both", both)])).decideBlock(candles, 0, 10, columns(10)),
    /"both" values\(\)/,
  );
  const one = seriesOf(pluginsWith([plugin("both", both)]));
  one.update(candles[0]);
  one.update(candles[1]);
  assert.throws(() => one.update(candles[2]), /"both" values\(\)/);
});

Deno.test("values() is read once per series for the outputs check, not per candle", () => {
  let reads = 0;
  const counted = plugin("counted", {
    values: (n) => {
      reads++;
      return { x: n };
    },
  });
  const s = seriesOf(pluginsWith([counted]));
  for (const c of candles) s.update(c);
  assert.equal(reads, 1);
  const b = seriesOf(pluginsWith([counted]));
  reads = 0;
  b.decideBlock(candles, 0, 10, columns(10));
  b.decideBlock(candles, 10, 20, columns(10));
  assert.equal(reads, 1);
});

Deno.test("create() throwing is a PluginFailure naming the indicator and its file", () => {
  const boom = plugin("createthrow", {
    create: () => {
      throw new Error("create boom");
    },
  });
  const sources = new Map([["indicator:createthrow", "file:///x/myplugins/createthrow.ts"]]);
  const plugins = pluginsWith([boom], seedCategories(), sources);
  const strategy = compileStrategy("p", PROFILE, plugins);
  assert.throws(
    () => new SignalEngine(plugins).series("BTC", "1h", strategy),
    (e) =>
      e instanceof PluginFailure &&
      e.message ===
        'BTC 1h: indicator "createthrow" (/x/myplugins/createthrow.ts) create threw: create boom',
  );
  // Without sources, the id alone.
  assert.throws(
    () => seriesOf(pluginsWith([boom])),
    (e) => e instanceof PluginFailure && /"createthrow" create threw: create boom$/.test(e.message),
  );
});

Deno.test("warmup() throwing is a StrategyError at compile time naming the indicator", () => {
  const boom = plugin("warmupthrow", {
    warmup: () => {
      throw new Error("warmup boom");
    },
  });
  assert.throws(
    () => compileStrategy("p", PROFILE, pluginsWith([boom])),
    (e) =>
      e instanceof StrategyError &&
      e.problems.length === 1 &&
      e.problems[0] === "indicators.warmupthrow: warmup() threw: warmup boom",
  );
  const sources = new Map([["indicator:warmupthrow", "file:///x/warmupthrow.ts"]]);
  assert.throws(
    () => new SignalEngine(pluginsWith([boom], seedCategories(), sources)).compile("p", PROFILE),
    (e) =>
      e instanceof StrategyError && /warmupthrow \(\/x\/warmupthrow\.ts\): warmup\(\) threw/
        .test(e.message),
  );
});

Deno.test("a category's combine() throwing is a PluginFailure naming the category", () => {
  const cats = seedCategories().map((c) =>
    c.id === "momentum"
      ? fakeCategory("momentum", [-3, 3], 0.25, () => {
        throw new Error("combine boom");
      })
      : c
  );
  const sources = new Map([["category:momentum", "file:///x/cats/momentum.ts"]]);
  const s = seriesOf(pluginsWith([plugin("extra")], cats, sources));
  s.update(candles[0]);
  s.update(candles[1]);
  assert.throws(
    () => s.update(candles[2]),
    (e) =>
      e instanceof PluginFailure &&
      e.message === 'X 1m: category "momentum" (/x/cats/momentum.ts) combine threw: combine boom',
  );
  const b = seriesOf(pluginsWith([plugin("extra")], cats));
  assert.throws(
    () => b.decideBlock(candles, 0, 10, columns(10)),
    (e) =>
      e instanceof PluginFailure && /category "momentum" combine threw: combine boom/
        .test(e.message),
  );
});

Deno.test("a registry's plugins are named by their file in failures", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-guard-" });
  try {
    const mod = new URL("../../mod.ts", import.meta.url).href;
    await Deno.mkdir(`${dir}/indicators`);
    await Deno.writeTextFile(
      `${dir}/indicators/createthrow.ts`,
      `import { defineIndicator, z } from "${mod}";
export default defineIndicator({
  id: "createthrow", category: "momentum", description: "test plugin",
  params: z.object({ period: z.number().int().min(1).default(3) }),
  outputs: ["x"], states: ["Up", "Neutral"],
  warmup: (p) => p.period,
  create: () => { throw new Error("create boom"); },
  evaluate: () => ({ score: 0, state: "Neutral", reason: "" }),
});
`,
    );
    const base = new URL("../../plugins/", import.meta.url);
    const reg = await discover({
      roots: [
        { kind: "category", dir: new URL("categories/", base) },
        { kind: "indicator", dir: new URL("indicators/", base) },
        { kind: "indicator", dir: `${dir}/indicators` },
      ],
    });
    const engine = new SignalEngine(reg);
    const strategy = engine.compile("default");
    assert.throws(
      () => engine.series("BTC", "1h", strategy),
      (e) =>
        e instanceof PluginFailure &&
        e.message.startsWith(
          `BTC 1h: indicator "createthrow" (${dir}/indicators/createthrow.ts) create threw: ` +
            "create boom",
        ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
