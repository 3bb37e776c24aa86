/**
 * Signal engine throughput on ~1M real candles (Binance BTCUSDT 1m, 130,708 candles tiled 8×
 * with times shifted and prices rescaled so the series stays continuous).
 *
 * Three runs over the same candles and the default profile's ten indicators:
 * - `indicators only`: every indicator state's `update` (the baseline);
 * - `indicators + evaluate()`: plus each indicator's `evaluate`, no record (plugin judging cost);
 * - `engine`: `SignalSeries.update` — validation, order check, updates, evaluation and one full
 *   signal record per candle.
 *
 * A second group isolates the engine's own cost: ten near-free fake indicators (frozen signals
 * that change every few candles, like real states) with and without the engine around them.
 *
 * Targets (issue 4): signal evaluation after the indicators have updated ≤ 1 µs per candle, i.e.
 * (engine − indicators only) / candles; full engine ≥ 1,000,000 candles/s. Besides `deno bench`'s
 * table, a summary with the medians of 3 interleaved rounds is printed.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import { compileStrategy, SignalEngine } from "../core/engine/engine.ts";
import { scriptedIndicator, seedCategories } from "../core/engine/_fakes.ts";
import type { IndicatorSignal, IndicatorState } from "../core/indicator.ts";
import { discover } from "../core/registry.ts";
import { BTC_1M, loadCandles } from "../tests/data.ts";

const TILES = 8;

function tiled(base: readonly Candle[], tiles: number): Candle[] {
  const span = base[base.length - 1].time - base[0].time + 60_000;
  const out: Candle[] = [];
  let scale = 1;
  for (let t = 0; t < tiles; t++) {
    for (const c of base) {
      out.push({
        time: c.time + t * span,
        open: c.open * scale,
        high: c.high * scale,
        low: c.low * scale,
        close: c.close * scale,
        volume: c.volume,
      });
    }
    scale *= base[base.length - 1].close / base[0].open;
  }
  return out;
}

const candles = tiled(loadCandles(BTC_1M), TILES);
const N = candles.length;
const engine = new SignalEngine(await discover());
const strategy = engine.compile("default");

// Ten near-free indicators: update stores the range, evaluate picks one of five frozen signals.
const FROZEN = [-2, -1, 0, 1, 2].map((v) =>
  Object.freeze({ score: v, state: `S${v}`, reason: v === 0 ? "" : `reason ${v}` })
);
const FAKE_IDS = [
  ["ema", "trend"],
  ["st", "trend"],
  ["rsi", "momentum"],
  ["macd", "momentum"],
  ["bb", "volatility"],
  ["atr", "volatility"],
  ["obv", "volume"],
  ["vp", "volume"],
  ["oi", "perp"],
  ["funding", "perp"],
] as const;
interface FakeState extends IndicatorState {
  k: number;
}
const fakes = FAKE_IDS.map(([id, cat], k) => {
  const ind = scriptedIndicator(id, cat, () => FROZEN[2]);
  const fake = ind as unknown as {
    create: () => FakeState;
    evaluate: (s: FakeState) => IndicatorSignal;
  };
  fake.create = () => {
    let n = 0;
    let range = 0;
    return {
      k,
      get count() {
        return n;
      },
      update(c: Candle) {
        n++;
        range = c.high - c.low;
      },
      values: () => ({ range }),
    };
  };
  fake.evaluate = (s) => FROZEN[((s.count >> ((s.k % 5) + 3)) + s.k) % 5];
  return ind;
});
const fakePlugins = { indicators: fakes, categories: seedCategories() };
const fakeStrategy = compileStrategy("fake", {
  indicators: Object.fromEntries(FAKE_IDS.map(([id]) => [id, {}])),
  stops: { indicator: "atr", value: "range" },
}, fakePlugins);
const fakeEngine = new SignalEngine(fakePlugins);

function fakeIndicatorsOnly(): number {
  const inds = fakeStrategy.indicators;
  const states = inds.map((ci) => ci.indicator.create(ci.params));
  let sum = 0;
  for (let i = 0; i < N; i++) {
    const c = candles[i];
    for (let k = 0; k < states.length; k++) states[k].update(c);
    for (let k = 0; k < states.length; k++) {
      sum += inds[k].indicator.evaluate(states[k], inds[k].params).score;
    }
  }
  return sum;
}

function fakeEngineRun(): number {
  const series = fakeEngine.series("BTC", "1m", fakeStrategy);
  let n = 0;
  for (let i = 0; i < N; i++) if (series.update(candles[i]) !== undefined) n++;
  return n;
}

function indicatorsOnly(): number {
  const states = strategy.indicators.map((ci) => ci.indicator.create(ci.params));
  for (let i = 0; i < N; i++) {
    const c = candles[i];
    for (let k = 0; k < states.length; k++) states[k].update(c);
  }
  return states[0].count;
}

function indicatorsAndEvaluate(): number {
  const inds = strategy.indicators;
  const states = inds.map((ci) => ci.indicator.create(ci.params));
  let sum = 0;
  for (let i = 0; i < N; i++) {
    const c = candles[i];
    for (let k = 0; k < states.length; k++) states[k].update(c);
    if (i + 1 < strategy.warmup) continue;
    for (let k = 0; k < states.length; k++) {
      sum += inds[k].indicator.evaluate(states[k], inds[k].params).score;
    }
  }
  return sum;
}

function fullEngine(): number {
  const series = engine.series("BTC", "1m", strategy);
  let n = 0;
  for (let i = 0; i < N; i++) if (series.update(candles[i]) !== undefined) n++;
  if (n !== N - strategy.warmup + 1) throw new Error(`expected a signal per candle, got ${n}`);
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(f: () => number): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

// Summary: interleaved rounds so the three runs see the same machine load.
{
  const ind: number[] = [];
  const ev: number[] = [];
  const full: number[] = [];
  const fi: number[] = [];
  const fe: number[] = [];
  time(indicatorsOnly), time(indicatorsAndEvaluate), time(fullEngine); // JIT warm-up
  time(fakeIndicatorsOnly), time(fakeEngineRun);
  for (let r = 0; r < 3; r++) {
    ind.push(time(indicatorsOnly));
    ev.push(time(indicatorsAndEvaluate));
    full.push(time(fullEngine));
    fi.push(time(fakeIndicatorsOnly));
    fe.push(time(fakeEngineRun));
  }
  const [mi, me, mf] = [median(ind), median(ev), median(full)];
  const us = (ms: number) => (ms * 1000 / N).toFixed(3);
  const rate = (ms: number) => Math.round(N / (ms / 1000)).toLocaleString("en-US");
  console.log(`engine bench: ${N.toLocaleString("en-US")} candles, medians of 3 rounds`);
  console.log(`  indicators only          ${us(mi)} µs/candle  ${rate(mi)} candles/s  (baseline)`);
  console.log(
    `  indicators + evaluate()  ${us(me)} µs/candle  ${rate(me)} candles/s  ` +
      `${(me / mi).toFixed(2)}× baseline`,
  );
  console.log(
    `  engine (signal records)  ${us(mf)} µs/candle  ${rate(mf)} candles/s  ` +
      `${(mf / mi).toFixed(2)}× baseline`,
  );
  console.log(
    `  signal evaluation after the updates: ${us(mf - mi)} µs/candle (target ≤ 1), ` +
      `of which indicator evaluate() ${us(me - mi)} µs and engine assembly ${us(mf - me)} µs`,
  );
  console.log(`  full engine: ${rate(mf)} candles/s (target ≥ 1,000,000)`);
  const [mfi, mfe] = [median(fi), median(fe)];
  console.log(
    `  engine alone (ten near-free fake indicators): ${us(mfi)} µs/candle for the fakes, ` +
      `${us(mfe)} µs/candle with the engine (${(mfe / mfi).toFixed(2)}×), ${
        rate(mfe)
      } candles/s; ` +
      `engine cost ${us(mfe - mfi)} µs/candle`,
  );
}

const opts = { group: "engine", n: 3, warmup: 1 } as const;
Deno.bench({
  name: "indicators only (10 updates/candle)",
  baseline: true,
  ...opts,
  fn: () => void indicatorsOnly(),
});
Deno.bench({ name: "indicators + evaluate()", ...opts, fn: () => void indicatorsAndEvaluate() });
Deno.bench({ name: "engine: a signal record per candle", ...opts, fn: () => void fullEngine() });
const fakeOpts = { group: "engine alone", n: 3, warmup: 1 } as const;
Deno.bench({
  name: "ten fake indicators: update + evaluate",
  baseline: true,
  ...fakeOpts,
  fn: () => void fakeIndicatorsOnly(),
});
Deno.bench({ name: "engine over the ten fakes", ...fakeOpts, fn: () => void fakeEngineRun() });
