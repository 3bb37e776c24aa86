import assert from "node:assert/strict";
import { type Candle, CandleError } from "../candle.ts";
import type { Indicator, IndicatorSignal } from "../indicator.ts";
import { sigFigPriceRule } from "../price_rule.ts";
import type { SignalRecord } from "../signal.ts";
import {
  candleAt,
  fakeCategory,
  SCRIPTED_STATES,
  scriptedIndicator,
  type ScriptState,
  seedCategories,
} from "./_fakes.ts";
import { compileStrategy, type EnginePlugins, SignalEngine } from "./engine.ts";
import { CandleOrderError, PluginFailure } from "./series.ts";
import { ENGINE_VERSION } from "./version.ts";

type Script = Record<string, IndicatorSignal[]>;
const S = (score: number, state = "S", reason = "", extra: Partial<IndicatorSignal> = {}) => ({
  score,
  state,
  reason,
  ...extra,
});
const N = S(0, "Neutral");
const FROZEN_NEUTRAL = Object.freeze(S(0, "Neutral"));

/** Five fake indicators (one per seed category) replaying `script[id][candle index]`. */
function pluginsFor(script: Script, warmup = 1): EnginePlugins {
  const at = (id: string) => (_c: Candle, n: number) => script[id]?.[n - 1] ?? N;
  // Each fake declares the states its script uses.
  const ind = (id: string, category: string) =>
    scriptedIndicator(id, category, at(id), warmup, [
      ...SCRIPTED_STATES,
      ...(script[id] ?? []).map((s) => s?.state).filter((x) => typeof x === "string"),
    ]);
  return {
    indicators: [
      ind("ema", "trend"),
      ind("st", "trend"),
      ind("rsi", "momentum"),
      ind("atr", "volatility"),
      ind("obv", "volume"),
      ind("funding", "perp"),
    ],
    categories: seedCategories(),
  };
}

const PROFILE = {
  indicators: { ema: {}, st: {}, rsi: {}, atr: {}, obv: {}, funding: {} },
  category_order: ["trend", "momentum", "volatility", "volume", "perp"],
  stops: { indicator: "atr", value: "range" },
};

function run(script: Script, candles: Candle[], profile: unknown = PROFILE, warmup = 1) {
  const plugins = pluginsFor(script, warmup);
  const engine = new SignalEngine(plugins);
  return engine.replay("TEST", "1m", compileStrategy("p", profile, plugins), candles);
}

Deno.test("one record per candle after warm-up, keyed by the candle", () => {
  const candles = Array.from({ length: 10 }, (_, i) => candleAt(i, 100 + i));
  const out = run({}, candles, PROFILE, 4);
  assert.equal(out.length, 7);
  assert.deepEqual(out.map((r) => r.time), candles.slice(3).map((c) => c.time));
  assert.deepEqual(out.map((r) => r.price), candles.slice(3).map((c) => c.close));
  for (const r of out) {
    assert.equal(r.symbol, "TEST");
    assert.equal(r.interval, "1m");
    assert.equal(r.strategy, "p");
    assert.equal(r.engine_version, ENGINE_VERSION);
  }
});

Deno.test("the record explains itself: contributions → clamped categories → total", () => {
  const script: Script = {
    ema: [S(2, "BullishCross", "Golden Cross EMA20/50")],
    st: [S(2, "BullishFlip", "SuperTrend flip bullish")], // trend raw 4 → clamped 3
    rsi: [S(-1, "Overbought", "RSI overbought")],
    atr: [S(0, "Elevated", "Elevated volatility")],
    obv: [S(1, "Confirmation", "Volume confirms price action")],
    funding: [S(-1, "NeutralPositive", "Funding leaning long - tactical bearish tilt")],
  };
  const [r] = run(script, [candleAt(0, 100)]);
  assert.deepEqual(
    r.categories.map((c) => [c.id, c.raw, c.score, c.clamp]),
    [
      ["trend", 4, 3, [-3, 3]],
      ["momentum", -1, -1, [-3, 3]],
      ["volatility", 0, 0, [-2, 2]],
      ["volume", 1, 1, [-2, 2]],
      ["perp", -1, -1, [-2, 2]],
    ],
  );
  assert.deepEqual(r.categories[0].contributions, [
    { id: "ema", state: "BullishCross", score: 2, reason: "Golden Cross EMA20/50" },
    { id: "st", state: "BullishFlip", score: 2, reason: "SuperTrend flip bullish" },
  ]);
  assert.equal(r.score, 2);
  assert.equal(r.bias, "Neutral");
  assert.equal(r.direction, "Neutral");
  // Confidence: members trend 3, momentum −1, volume 1, perp −1 → max(4, 2)/10 × 0.8 (opposed).
  assert.equal(r.confidence, 0.32);
  assert.equal(r.risk, "Low"); // |2| is not weak, nothing risky
  assert.deepEqual([r.sl_pct, r.tp_pct, r.sl_price, r.tp_price], [null, null, null, null]);
  assert.deepEqual(r.reasons, [
    { text: "Golden Cross EMA20/50", weight: 1 },
    { text: "SuperTrend flip bullish", weight: 1 },
    { text: "RSI overbought", weight: 1 },
    { text: "Elevated volatility", weight: 1 },
    { text: "Volume confirms price action", weight: 1 },
    { text: "Funding leaning long - tactical bearish tilt", weight: 1 },
    { text: "Risk level: Low", weight: 0.5 },
  ]);
});

Deno.test("Long: SL/TP from the volatility value, on the right side, funding widening noted", () => {
  const script: Script = {
    ema: [S(1), S(1)],
    st: [S(1), S(1)],
    rsi: [S(1), S(1)],
    funding: [
      S(0, "Quiet"),
      S(2, "ExtremeShortBias", "squeeze fuel", {
        widenStops: true,
        risk: (t) => (t <= 0 ? 2 : -1),
      }),
    ],
  };
  // Range of candleAt = 2 % of the close: 2 at close 100 → SL 2 × 1.2 = 2.4 %, TP 4 %.
  const [a, b] = run(script, [candleAt(0, 100), candleAt(1, 100)]);
  assert.equal(a.score, 3);
  assert.equal(a.direction, "Long");
  assert.equal(a.bias, "Bullish");
  assert.ok(Math.abs(a.sl_pct! - 2.4) < 1e-12 && Math.abs(a.tp_pct! - 4) < 1e-12);
  assert.ok(Math.abs(a.sl_price! - 97.6) < 1e-9 && Math.abs(a.tp_price! - 104) < 1e-9);
  assert.equal(a.risk, "Low");
  assert.ok(!a.reasons.some((x) => x.weight === 0.4));
  assert.equal(b.score, 5);
  assert.ok(Math.abs(b.sl_pct! - 2.88) < 1e-12 && Math.abs(b.tp_pct! - 4.4) < 1e-12);
  assert.deepEqual(b.reasons.slice(-2), [
    { text: "Widened SL/TP due to funding imbalance", weight: 0.4 },
    { text: "Risk level: Low", weight: 0.5 }, // fading the crowd: r = −1
  ]);
});

Deno.test("Short: SL above and TP below, rounded with the price rule", () => {
  const script: Script = { ema: [S(-2)], st: [S(-2)], rsi: [S(-3)], obv: [S(-2)] };
  const plugins = pluginsFor(script);
  const s = new SignalEngine(plugins).series("BTC", "1h", compileStrategy("p", PROFILE, plugins), {
    priceRule: sigFigPriceRule(5, 1),
  });
  const r = s.update(candleAt(0, 113080))!;
  assert.equal(r.score, -8);
  assert.equal(r.bias, "StrongBearish");
  assert.equal(r.direction, "Short");
  // Range 2261.6 → SL 2.4 % → 115793.92 → 115794 (up); TP 4 % → 108556.8 → 108557 (up).
  assert.equal(r.sl_price, 115794);
  assert.equal(r.tp_price, 108557);
  assert.equal(r.risk, "Low");
  // trend −3 (clamped), momentum −3, volume −2, perp 0 → 8/10 × 1.2 (aligned).
  assert.equal(r.confidence, 0.96);
});

Deno.test("duplicates and out-of-order candles are refused without touching any state", () => {
  const plugins = pluginsFor({});
  const s = new SignalEngine(plugins).series("X", "1m", compileStrategy("p", PROFILE, plugins));
  assert.ok(s.update(candleAt(5)));
  assert.throws(
    () => s.update(candleAt(5)),
    (e) => e instanceof CandleOrderError && /already evaluated/.test(e.message),
  );
  assert.throws(
    () => s.update(candleAt(4)),
    (e) => e instanceof CandleOrderError && /out of order/.test(e.message),
  );
  assert.equal(s.count, 1);
  assert.equal(s.lastTime, candleAt(5).time);
  assert.equal(s.update(candleAt(6))!.time, candleAt(6).time);
  assert.equal(s.count, 2);
});

Deno.test("invalid candles get a CandleError naming the market, and change nothing", () => {
  const plugins = pluginsFor({});
  const s = new SignalEngine(plugins).series("ETH", "5m", compileStrategy("p", PROFILE, plugins));
  const bad: Candle[] = [
    { ...candleAt(1), close: NaN },
    { ...candleAt(1), high: 1, low: 2 },
    { ...candleAt(1), volume: -1 },
    { ...candleAt(1), time: -60_000 },
    { ...candleAt(1), fundingRate: Infinity },
    null as unknown as Candle,
  ];
  for (const c of bad) {
    assert.throws(
      () => s.update(c),
      (e) => e instanceof CandleError && e.message.startsWith("ETH 5m: "),
    );
  }
  assert.equal(s.count, 0);
  assert.ok(s.update(candleAt(1)));
});

Deno.test("same input, same output: two series agree and records survive JSON", () => {
  const script: Script = {
    ema: [S(1), S(-2), S(2)],
    rsi: [S(2), S(-1), S(1)],
    funding: [
      S(-2, "ExtremeLongBias", "crowded", { widenStops: true, risk: (t) => (t >= 0 ? 2 : -1) }),
    ],
  };
  const candles = [candleAt(0, 100), candleAt(1, 101), candleAt(2, 99)];
  const a = run(script, candles);
  const b = run(script, candles);
  assert.deepEqual(a, b);
  assert.deepEqual(JSON.parse(JSON.stringify(a)) as SignalRecord[], a);
});

Deno.test("an indicator that throws on update fails the series for good", () => {
  let calls = 0;
  const boom = scriptedIndicator("boom", "trend", () => N);
  const create = boom.create;
  boom.create = (p) => {
    const st = create(p);
    const update = st.update.bind(st);
    st.update = (c) => {
      if (++calls === 2) throw new Error("kaboom");
      update(c);
    };
    return st;
  };
  const plugins = {
    indicators: [boom, ...pluginsFor({}).indicators as never[]],
    categories: seedCategories(),
  };
  const s = new SignalEngine(plugins).series("X", "1m", compileStrategy("p", PROFILE, plugins));
  assert.ok(s.update(candleAt(0)));
  assert.throws(
    () => s.update(candleAt(1)),
    (e) => e instanceof PluginFailure && /"boom" update threw: kaboom/.test(e.message),
  );
  assert.throws(
    () => s.update(candleAt(2)),
    (e) => e instanceof PluginFailure && /failed earlier/.test(e.message),
  );
});

Deno.test("a malformed signal is reported; the next candle evaluates normally", () => {
  const script: Script = { rsi: [S(NaN), S(1)] };
  const plugins = pluginsFor(script);
  const s = new SignalEngine(plugins).series("X", "1m", compileStrategy("p", PROFILE, plugins));
  assert.throws(
    () => s.update(candleAt(0)),
    (e) => e instanceof PluginFailure && /"rsi" returned score NaN/.test(e.message),
  );
  assert.equal(s.update(candleAt(1))!.score, 1);
});

Deno.test("a category's own combine rule is applied before the clamp", () => {
  const plugins = pluginsFor({ ema: [S(2)], st: [S(-1)] });
  const strongest = (sigs: readonly IndicatorSignal[]) =>
    sigs.reduce((a, s) => (Math.abs(s.score) > Math.abs(a) ? s.score : a), 0);
  plugins.categories = [
    ...seedCategories().filter((c) => c.id !== "trend"),
    fakeCategory("trend", [-3, 3], 0.3, strongest),
  ];
  const [r] = new SignalEngine(plugins).replay("X", "1m", compileStrategy("p", PROFILE, plugins), [
    candleAt(0),
  ]);
  assert.equal(r.categories[0].raw, 2);
  assert.equal(r.score, 2);
});

Deno.test("weighted scoring: total = Σ weight × score / clamp max, thresholds in [−1, 1]", () => {
  const script: Script = { ema: [S(3)], rsi: [S(3)], obv: [S(1)], funding: [S(-1)] };
  const [r] = run(script, [candleAt(0)], { ...PROFILE, scoring: "weighted" });
  // trend 0.30·1 + momentum 0.25·1 + volume 0.15·0.5 + perp 0.15·(−0.5) = 0.55
  assert.equal(r.score, 0.55);
  const recomputed = r.categories.reduce((a, c) => a + c.weight * c.score / c.clamp[1], 0);
  assert.ok(Math.abs(recomputed - r.score) < 1e-12);
  assert.equal(r.bias, "Bullish"); // ≥ 0.25, < 0.58
  assert.equal(r.direction, "Long");
  const [strong] = run({ ...script, obv: [S(2)], funding: [S(1)] }, [candleAt(0)], {
    ...PROFILE,
    scoring: "weighted",
  });
  // 0.30 + 0.25 + 0.15·1 + 0.15·0.5
  assert.equal(strong.score, 0.775);
  assert.equal(strong.bias, "StrongBullish");
});

Deno.test("min SL% keeps a tiny volatility value from putting stops inside the spread", () => {
  const script: Script = { ema: [S(3)], rsi: [S(3)] };
  const flat = { ...candleAt(0, 100), high: 100.001, low: 99.999 }; // range 0.002 → 0.0024 %
  const [r] = run(script, [flat], { ...PROFILE, stops: { ...PROFILE.stops, min_sl_pct: 0.1 } });
  assert.equal(r.sl_pct, 0.1);
  assert.ok(Math.abs(r.tp_pct! - 0.1 * 2 / 1.2) < 1e-12);
  assert.ok(Math.abs(r.sl_price! - 99.9) < 1e-9);
});

Deno.test("property: reused frozen parts never leak between candles", async () => {
  const fc = (await import("fast-check")).default;
  const pool = [-2, -1, 0, 1, 2].map((v) => Object.freeze(S(v, `S${v}`, v === 0 ? "" : `r${v}`)));
  const ids = ["ema", "st", "rsi", "atr", "obv", "funding"];
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 6, maxLength: 6 }), {
        minLength: 1,
        maxLength: 40,
      }),
      (rows) => {
        const script: Script = {};
        ids.forEach((id, k) => (script[id] = rows.map((r) => pool[r[k]])));
        const out = run(script, rows.map((_, i) => candleAt(i)));
        out.forEach((rec, i) => {
          const want = new Map(ids.map((id, k) => [id, pool[rows[i][k]]]));
          let total = 0;
          const texts: string[] = [];
          for (const c of rec.categories) {
            let raw = 0;
            for (const x of c.contributions) {
              const w = want.get(x.id)!;
              assert.equal(x.state, w.state);
              assert.equal(x.score, w.score);
              raw += x.score;
              if (x.reason !== "") texts.push(x.reason);
            }
            assert.equal(c.raw, raw);
            assert.equal(c.score, Math.max(c.clamp[0], Math.min(c.clamp[1], raw)));
            total += c.score;
          }
          assert.equal(rec.score, total);
          assert.deepEqual(rec.reasons.filter((r) => r.weight === 1).map((r) => r.text), texts);
        });
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a plugin minting a new frozen signal every candle stays correct and bounded", () => {
  const scores = Array.from({ length: 300 }, (_, i) => ((i * 7) % 5) - 2);
  const minted = (_c: Candle, n: number) => Object.freeze(S(scores[n - 1], `S${n}`, `minted ${n}`));
  const plugins = pluginsFor({});
  plugins.indicators = [...(plugins.indicators as never[])].map((
    ind: ReturnType<typeof scriptedIndicator>,
  ) =>
    ind.id === "ema"
      ? scriptedIndicator("ema", "trend", minted, 1, scores.map((_, i) => `S${i + 1}`))
      : ind.id === "st" // a frozen partner, so trend results are cacheable
      ? scriptedIndicator("st", "trend", () => FROZEN_NEUTRAL)
      : ind
  );
  const out = new SignalEngine(plugins).replay(
    "X",
    "1m",
    compileStrategy("p", PROFILE, plugins),
    scores.map((_, i) => candleAt(i)),
  );
  out.forEach((r, i) => {
    assert.equal(r.categories[0].contributions[0].state, `S${i + 1}`);
    assert.equal(r.categories[0].raw, scores[i]);
    assert.equal(r.score, scores[i]);
    assert.equal(r.reasons[0].text, `minted ${i + 1}`);
  });
});

Deno.test("stop distances follow values(), not a state getter of the same name that disagrees", () => {
  const three = [S(1), S(1), S(1)];
  const script: Script = { ema: three, st: three, rsi: three };
  const plugins = pluginsFor(script);
  const list = [...plugins.indicators] as Indicator<{ k: number }, ScriptState>[];
  const atr = list.find((i) => i.id === "atr")!;
  const create = atr.create.bind(atr);
  // The getter says 5; values() says the candle range (2 at close 100): SL must be 2 × 1.2 %.
  class Disagreeing {
    constructor(readonly inner: ReturnType<typeof create>) {}
    get count() {
      return this.inner.count;
    }
    get range() {
      return 5;
    }
    update(c: Candle) {
      this.inner.update(c);
    }
    values() {
      return this.inner.values();
    }
    get candles() {
      return this.inner.candles;
    }
  }
  const patched = { ...atr, create: (p: { k: number }) => new Disagreeing(create(p)) };
  const ps = { ...plugins, indicators: list.map((i) => i === atr ? patched : i) };
  const engine = new SignalEngine(ps);
  const candles = Array.from({ length: 3 }, (_, i) => candleAt(i, 100));
  const records = engine.replay("TEST", "1m", compileStrategy("p", PROFILE, ps), candles);
  assert.equal(records.length, 3);
  for (const r of records) {
    assert.equal(r.direction, "Long");
    assert.ok(Math.abs(r.sl_pct! - 2.4) < 1e-12 && Math.abs(r.tp_pct! - 4) < 1e-12, `${r.sl_pct}`);
  }
});

/** The plugins with the fake "rsi" indicator's `evaluate` replaced by `wrap(its evaluate)`. */
function wrapRsi(
  plugins: EnginePlugins,
  wrap: (
    evaluate: (s: ScriptState, p: { k: number }) => IndicatorSignal,
    self: Indicator<{ k: number }, ScriptState>,
  ) => Indicator<{ k: number }, ScriptState>["evaluate"],
): EnginePlugins {
  const list = [...plugins.indicators] as Indicator<{ k: number }, ScriptState>[];
  return {
    ...plugins,
    indicators: list.map((ind) => {
      if (ind.id !== "rsi") return ind;
      const patched = { ...ind };
      patched.evaluate = wrap(ind.evaluate.bind(ind), patched);
      return patched;
    }),
  };
}

Deno.test("plugin failures while judging name the culprit; the next candle evaluates normally", () => {
  const boom = (): never => {
    throw new Error("kaput");
  };
  const cases: [string, EnginePlugins, RegExp][] = [
    [
      "evaluate throws",
      wrapRsi(pluginsFor({ rsi: [S(0), S(1)] }), (evaluate) => (s, p) => {
        if (s.candles.length === 1) boom();
        return evaluate(s, p);
      }),
      /^X 1m: indicator "rsi" evaluate threw: kaput$/,
    ],
    ["risk throws", pluginsFor({ rsi: [S(1, "Hot", "", { risk: boom }), S(1)] }), /^X 1m: kaput$/],
    [
      "risk is not finite",
      pluginsFor({ ema: [S(2)], rsi: [S(1, "Hot", "", { risk: () => NaN }), S(1)] }),
      /^X 1m: risk\(3\) of a "Hot" signal returned NaN$/,
    ],
  ];
  for (const [what, plugins, message] of cases) {
    const s = new SignalEngine(plugins).series("X", "1m", compileStrategy("p", PROFILE, plugins));
    assert.throws(
      () => s.update(candleAt(0)),
      (e) => e instanceof PluginFailure && message.test(e.message),
      what,
    );
    assert.equal(s.update(candleAt(1))!.score, 1, what);
  }
});

Deno.test("a category's combine returning a non-finite number is reported", () => {
  const plugins = pluginsFor({ ema: [S(2)] });
  plugins.categories = [
    ...seedCategories().filter((c) => c.id !== "trend"),
    fakeCategory("trend", [-3, 3], 0.3, () => Infinity),
  ];
  const s = new SignalEngine(plugins).series("X", "1m", compileStrategy("p", PROFILE, plugins));
  assert.throws(
    () => s.update(candleAt(0)),
    (e) =>
      e instanceof PluginFailure &&
      e.message === 'X 1m: category "trend" combine returned Infinity',
  );
});

Deno.test("evaluate is called with its plugin as `this`", () => {
  const seen: unknown[] = [];
  let rsi: unknown;
  const plugins = wrapRsi(pluginsFor({ rsi: [S(1)] }), (evaluate, self) => {
    rsi = self;
    return function (this: unknown, s, p) {
      seen.push(this);
      return evaluate(s, p);
    };
  });
  new SignalEngine(plugins).replay("X", "1m", compileStrategy("p", PROFILE, plugins), [
    candleAt(0),
    candleAt(1),
  ]);
  assert.equal(seen.length, 2);
  assert.ok(seen.every((x) => x === rsi));
});

Deno.test("decideBlock: the first plugin failure in candle order is named, and fails the series", () => {
  // "late" throws on update at candle 5, "early" on evaluate at candle 3: in candle order the
  // evaluate failure at 3 comes first, though "late" is looked at first within the block.
  const failing = (id: string, phase: "update" | "evaluate", at: number) => {
    const ind = scriptedIndicator(id, "trend", () => N);
    const create = ind.create;
    ind.create = (p) => {
      const st = create(p);
      const update = st.update.bind(st);
      st.update = (c) => {
        if (phase === "update" && st.count === at) throw new Error(`${id} broke`);
        update(c);
      };
      return st;
    };
    const evaluate = ind.evaluate;
    ind.evaluate = (s, p) => {
      if (phase === "evaluate" && s.count === at + 1) throw new Error(`${id} broke`);
      return evaluate(s, p);
    };
    return ind;
  };
  const plugins = {
    indicators: [
      failing("late", "update", 5),
      failing("early", "evaluate", 3),
      ...pluginsFor({}).indicators as never[],
    ],
    categories: seedCategories(),
  };
  const s = new SignalEngine(plugins).series("X", "1m", compileStrategy("p", PROFILE, plugins));
  const candles = Array.from({ length: 10 }, (_, i) => candleAt(i));
  const out = { direction: new Int8Array(10), sl: new Float64Array(10), tp: new Float64Array(10) };
  assert.throws(
    () => s.decideBlock(candles, 0, 10, out),
    (e) => e instanceof PluginFailure && /"early" evaluate threw: early broke/.test(e.message),
  );
  assert.throws(
    () => s.decide(candleAt(10)),
    (e) => e instanceof PluginFailure && /failed earlier/.test(e.message),
  );
});

Deno.test("decideBlock: a plugin rewriting one signal object per call is read per candle", () => {
  // One mutable object, its score following the candle: read late, every candle of a block would
  // see the last one's score.
  const shared: IndicatorSignal = { score: 0, state: "Live", reason: "" };
  const plugins = pluginsFor({});
  const live = scriptedIndicator(
    "live",
    "momentum",
    (c) => {
      shared.score = c.close > 100 ? 5 : c.close < 100 ? -5 : 0;
      return shared;
    },
    1,
    ["Live"],
  );
  const withLive = {
    indicators: [live, ...plugins.indicators as never[]],
    categories: plugins.categories,
  };
  const profile = { ...PROFILE, indicators: { ...PROFILE.indicators, live: {} } };
  const strategy = compileStrategy("p", profile, withLive);
  const closes = [100, 104, 97, 103, 96, 100, 105, 95];
  const candles = closes.map((c, i) => candleAt(i, c));
  const one = new SignalEngine(withLive).series("X", "1m", strategy);
  const expected = candles.map((c) => one.decide(c)?.direction);
  const blocked = new SignalEngine(withLive).series("X", "1m", strategy);
  const out = { direction: new Int8Array(8), sl: new Float64Array(8), tp: new Float64Array(8) };
  blocked.decideBlock(candles, 0, 8, out);
  const names = ["Short", "Neutral", "Long"];
  assert.deepEqual(Array.from(out.direction, (d) => names[d + 1]), expected);
  assert.ok(new Set(expected).size > 1, "the directions vary, so a late read would show");
});
