import assert from "node:assert/strict";
import { buildConfig } from "../core/config.ts";
import { StrategyError } from "../core/engine/mod.ts";
import { discover } from "../core/registry.ts";
import { BTC_1H, loadCandles } from "../tests/data.ts";
import { compileStrategies, createEvaluator } from "./engine_evaluator.ts";

const registry = await discover();
const candles = loadCandles(BTC_1H).slice(0, 600);

function lastSignal(config: ReturnType<typeof buildConfig>) {
  const ev = createEvaluator(registry, config);
  let last;
  for (const c of candles) last = ev.update("BTC", "1h", c) ?? last;
  assert.ok(last);
  return last;
}

function contributionIds(sig: NonNullable<ReturnType<typeof lastSignal>>): string[] {
  return sig.categories.flatMap((k) => k.contributions.map((c) => c.id)).sort();
}

Deno.test("config.plugins switches an indicator off in every strategy", () => {
  const on = lastSignal(buildConfig({ symbols: ["BTC"] }));
  assert.ok(contributionIds(on).includes("obv"));
  const off = lastSignal(buildConfig({ symbols: ["BTC"], plugins: { obv: { enabled: false } } }));
  assert.ok(!contributionIds(off).includes("obv"));
  assert.equal(contributionIds(off).length, contributionIds(on).length - 1);
});

Deno.test("config.plugins parameters reach the indicator", () => {
  // RSI with a very long period stays inside 30..70 far more often than RSI(2); compare states.
  const count = (period: number) => {
    const ev = createEvaluator(
      registry,
      buildConfig({ symbols: ["BTC"], plugins: { rsi: { params: { period } } } }),
    );
    let extreme = 0;
    for (const c of candles) {
      const s = ev.update("BTC", "1h", c);
      const rsi = s?.categories.find((k) => k.id === "momentum")?.contributions.find((x) =>
        x.id === "rsi"
      );
      if (rsi && (rsi.state === "Oversold" || rsi.state === "Overbought")) extreme++;
    }
    return extreme;
  };
  assert.ok(count(2) > count(50) * 3, `RSI(2) extremes ${count(2)} vs RSI(50) ${count(50)}`);
});

Deno.test("a strategy per symbol is compiled at start; an unknown one is an error", () => {
  const cfg = buildConfig({ symbols: ["BTC", "ETH"], strategies: { ETH: "weighted" } });
  const { forSymbol } = compileStrategies(registry, cfg);
  assert.equal(forSymbol("BTC").id, "default");
  assert.equal(forSymbol("ETH").id, "weighted");
  assert.throws(
    () => compileStrategies(registry, buildConfig({ symbols: ["BTC"], default_strategy: "nope" })),
    StrategyError,
  );
});

Deno.test("a candle already evaluated is not evaluated twice", () => {
  const ev = createEvaluator(registry, buildConfig({ symbols: ["BTC"] }));
  let last;
  for (const c of candles) last = ev.update("BTC", "1h", c) ?? last;
  assert.ok(last);
  assert.equal(ev.update("BTC", "1h", candles[candles.length - 1]), undefined);
  assert.equal(ev.update("BTC", "1h", candles[10]), undefined);
});
