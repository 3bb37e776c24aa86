/**
 * Properties of every signal record on long real series, checked against independent
 * re-computations written here from the behaviour spec (§3.2–3.4, §4.2–4.3), not from the engine:
 * the total is the sum of the clamped category scores, the bias and direction follow the
 * thresholds, confidence and risk follow their formulas, SL/TP follow the ATR and the funding
 * widening, and the reasons are the contributions' texts in order.
 */
import assert from "node:assert/strict";
import { type Candle, CandleError } from "../core/candle.ts";
import { runBatch } from "../core/batch.ts";
import { joinFunding } from "../core/engine/funding_join.ts";
import { SignalEngine } from "../core/engine/engine.ts";
import type { CompiledStrategy } from "../core/engine/compiled.ts";
import { WARMING_UP } from "../core/engine/decision_columns.ts";
import { type Interval, intervalMs } from "../core/interval.ts";
import { defaultRoots, discover } from "../core/registry.ts";
import type { SignalRecord } from "../core/signal.ts";
import { BTC_1H, BTC_1M, loadCandles, loadFunding } from "./data.ts";

const registry = await discover({
  roots: defaultRoots().filter((r) => r.kind === "indicator" || r.kind === "category"),
});
const engine = new SignalEngine(registry);
const DEFAULT = engine.compile("default");
const WEIGHTED = engine.compile("weighted");

function withFunding(candleFile: string, fundingFile: string, interval: Interval): Candle[] {
  return joinFunding(loadCandles(candleFile), loadFunding(fundingFile), intervalMs(interval))
    .candles;
}

/** §3.2 with the profile's thresholds. */
function expectedBias(s: number, t = { strong_long: 7, long: 3, short: -3, strong_short: -7 }) {
  return s >= t.strong_long
    ? "StrongBullish"
    : s >= t.long
    ? "Bullish"
    : s <= t.strong_short
    ? "StrongBearish"
    : s <= t.short
    ? "Bearish"
    : "Neutral";
}

/** §3.3: trend, momentum, volume, perp; max 10; ×1.2 when trend and momentum agree, else ×0.8. */
function expectedConfidence(r: SignalRecord): number {
  const by = (id: string) => r.categories.find((c) => c.id === id)!.score;
  const [t, m, v, p] = [by("trend"), by("momentum"), by("volume"), by("perp")];
  let pos = 0;
  let neg = 0;
  for (const x of [t, m, v, p]) x > 0 ? (pos += x) : (neg -= x);
  const base = Math.max(pos, neg) / 10;
  const aligned = (t > 0 && m > 0) || (t < 0 && m < 0);
  const c = Math.min(Math.max(aligned ? Math.min(1.2 * base, 1) : 0.8 * base, 0), 1);
  return Math.round(c * 10000) / 10000;
}

function state(r: SignalRecord, id: string): string {
  for (const c of r.categories) for (const x of c.contributions) if (x.id === id) return x.state;
  throw new Error(`no ${id} contribution`);
}

/** §3.4, from the indicator states in the record. */
function expectedRisk(r: SignalRecord, weakBelow: number): string {
  const s = r.score;
  let k = 0;
  if (state(r, "atr") === "High") k += 2;
  const f = state(r, "funding");
  if (f === "ExtremeLongBias") k += s >= 0 ? 2 : -1;
  if (f === "ExtremeShortBias") k += s <= 0 ? 2 : -1;
  if (f === "HighLongBias" || f === "HighShortBias") k += 1;
  if (Math.abs(s) < weakBelow) k += 1;
  if (/Divergence$/.test(state(r, "rsi"))) k -= 1;
  return k >= 3 ? "High" : k >= 1 ? "Medium" : "Low";
}

interface Tally {
  bias: Record<string, number>;
  widened: number;
  risk: Record<string, number>;
}

function checkSeries(
  name: string,
  strategy: CompiledStrategy,
  candles: readonly Candle[],
  interval: Interval,
): Tally {
  const records = engine.replay(name, interval, strategy, candles);
  assert.equal(records.length, candles.length - strategy.warmup + 1, name);
  const atr = runBatch(registry.indicators.get("atr")!, candles).atr;
  const weighted = strategy.scoring === "weighted";
  const t = strategy.thresholds;
  const tally: Tally = { bias: {}, widened: 0, risk: {} };
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const ci = i + strategy.warmup - 1;
    const where = `${name} #${i} (${new Date(r.time).toISOString()})`;
    assert.equal(r.time, candles[ci].time, where);
    assert.equal(r.price, candles[ci].close, where);

    // Categories: raw = Σ contributions, score = clamp(raw); total from the categories.
    let sum = 0;
    let wsum = 0;
    for (const c of r.categories) {
      const raw = c.contributions.reduce((a, x) => a + x.score, 0);
      assert.equal(c.raw, raw, `${where} ${c.id} raw`);
      assert.equal(c.score, Math.min(c.clamp[1], Math.max(c.clamp[0], raw)), `${where} ${c.id}`);
      sum += c.score;
      wsum += c.weight * (c.score > 0 ? c.score / c.clamp[1] : c.score / -c.clamp[0]);
    }
    if (weighted) assert.ok(Math.abs(r.score - wsum) < 1e-9, `${where}: ${r.score} vs ${wsum}`);
    else {
      assert.equal(r.score, sum, where);
      assert.ok(Number.isInteger(r.score), where);
    }
    assert.equal(r.bias, expectedBias(r.score, t), `${where}: score ${r.score}`);
    const dir = r.bias.endsWith("Bullish")
      ? "Long"
      : r.bias.endsWith("Bearish")
      ? "Short"
      : "Neutral";
    assert.equal(r.direction, dir, where);
    assert.equal(r.confidence, expectedConfidence(r), where);
    assert.equal(r.risk, expectedRisk(r, weighted ? 2 / 12 : 2), where);

    // SL/TP: none for Neutral; else ATR × 1.2 / × 2.0 in % of price, × 1.2 / × 1.1 on extreme funding.
    const extreme = /^Extreme/.test(state(r, "funding"));
    if (r.direction === "Neutral") {
      assert.deepEqual(
        [r.sl_pct, r.tp_pct, r.sl_price, r.tp_price],
        [null, null, null, null],
        where,
      );
    } else {
      const a = atr[ci]!;
      const k = extreme ? [1.2, 1.1] : [1, 1];
      assert.ok(Math.abs(r.sl_pct! - a * 1.2 * k[0] / r.price * 100) < 1e-9 * r.sl_pct!, where);
      assert.ok(Math.abs(r.tp_pct! - a * 2.0 * k[1] / r.price * 100) < 1e-9 * r.tp_pct!, where);
      if (r.direction === "Long") assert.ok(r.sl_price! < r.price && r.price < r.tp_price!, where);
      else assert.ok(r.tp_price! < r.price && r.price < r.sl_price!, where);
      if (extreme) tally.widened++;
    }

    // Reasons: contribution texts in order, the widening note, the risk level last.
    const texts = r.categories.flatMap((c) =>
      c.contributions.map((x) => x.reason).filter((x) => x !== "")
    );
    const want = texts.map((text) => ({ text, weight: 1 }));
    if (extreme && r.direction !== "Neutral") {
      want.push({ text: "Widened SL/TP due to funding imbalance", weight: 0.4 });
    }
    want.push({ text: `Risk level: ${r.risk}`, weight: 0.5 });
    assert.deepEqual(r.reasons, want, where);
    tally.bias[r.bias] = (tally.bias[r.bias] ?? 0) + 1;
    tally.risk[r.risk] = (tally.risk[r.risk] ?? 0) + 1;
  }
  return tally;
}

const ALL_BIASES = ["StrongBullish", "Bullish", "Neutral", "Bearish", "StrongBearish"];

Deno.test("every record of BTC 1h 2017–2024 (58k) and BTC 1m (130k), both scorings", () => {
  for (const [file, interval] of [[BTC_1H, "1h"], [BTC_1M, "1m"]] as const) {
    for (const s of [DEFAULT, WEIGHTED]) {
      const tally = checkSeries(`${file} ${s.id}`, s, loadCandles(file), interval);
      // Non-vacuity: every bias (so every threshold) and every risk level is exercised.
      assert.deepEqual(
        Object.keys(tally.bias).sort(),
        [...ALL_BIASES].sort(),
        JSON.stringify(tally),
      );
      assert.deepEqual(
        Object.keys(tally.risk).sort(),
        ["High", "Low", "Medium"],
        JSON.stringify(tally),
      );
    }
  }
});

Deno.test("every record of Hyperliquid perps with real funding: widening and funding risk", () => {
  let widened = 0;
  for (const coin of ["btc", "eth", "hype"]) {
    const candleFile = coin === "hype"
      ? "hyperliquid-hype-perp-1h-2024-12_2025-07.csv"
      : `hyperliquid-${coin}-perp-1h-2024-09_2025-07.csv`;
    const fundingFile = coin === "hype"
      ? "hyperliquid-hype-funding-1h-2024-12_2025-07.csv"
      : `hyperliquid-${coin}-funding-1h-2023-05_2025-07.csv`;
    const candles = withFunding(candleFile, fundingFile, "1h");
    for (const s of [DEFAULT, WEIGHTED]) {
      widened += checkSeries(`${coin} ${s.id}`, s, candles, "1h").widened;
    }
  }
  // HYPE's funding is beyond the extreme threshold in several % of hours (funding plugin docs):
  // the widening path must actually run.
  assert.ok(widened > 10, `widened ${widened}`);
});

Deno.test("same input, same output: two runs over a real series are identical", () => {
  const candles = loadCandles(BTC_1H).slice(0, 5000);
  const a = engine.replay("BTC", "1h", DEFAULT, candles);
  const b = engine.replay("BTC", "1h", DEFAULT, candles);
  assert.deepEqual(a, b);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
});

Deno.test("streaming equals replay, and a re-delivered candle is refused, not re-evaluated", () => {
  const candles = loadCandles(BTC_1H).slice(0, 400);
  const series = engine.series("BTC", "1h", DEFAULT);
  const streamed: SignalRecord[] = [];
  for (const c of candles) {
    const r = series.update(c);
    if (r) streamed.push(r);
    assert.throws(() => series.update(c), /already evaluated/);
  }
  assert.deepEqual(streamed, engine.replay("BTC", "1h", DEFAULT, candles));
});

Deno.test("decide answers what update's record says, candle by candle, on real perps with funding", () => {
  const candles = withFunding(
    "hyperliquid-hype-perp-1h-2024-12_2025-07.csv",
    "hyperliquid-hype-funding-1h-2024-12_2025-07.csv",
    "1h",
  );
  for (const strategy of [DEFAULT, WEIGHTED]) {
    const recorded = engine.series("HYPE", "1h", strategy);
    const deciding = engine.series("HYPE", "1h", strategy);
    const seen = { Long: 0, Short: 0, Neutral: 0, stops: 0 };
    for (const c of candles) {
      const r = recorded.update(c);
      const d = deciding.decide(c);
      if (r === undefined) {
        assert.equal(d, undefined);
        continue;
      }
      assert.ok(d !== undefined);
      assert.deepEqual(
        { time: d.time, direction: d.direction, sl_pct: d.sl_pct, tp_pct: d.tp_pct },
        { time: r.time, direction: r.direction, sl_pct: r.sl_pct, tp_pct: r.tp_pct },
        `${strategy.id} at ${c.time}`,
      );
      seen[r.direction]++;
      if (r.sl_pct !== null) seen.stops++;
    }
    // Both directions and stops occurred, so the comparison covered every field.
    assert.ok(seen.Long > 50 && seen.Short > 50 && seen.stops > 100, JSON.stringify(seen));
  }
});

Deno.test("decideBlock answers what decide says, for any block size, on real series", () => {
  const hype = withFunding(
    "hyperliquid-hype-perp-1h-2024-12_2025-07.csv",
    "hyperliquid-hype-funding-1h-2024-12_2025-07.csv",
    "1h",
  );
  const btc1m = loadCandles(BTC_1M).slice(0, 30_000);
  for (const [candles, interval] of [[hype, "1h"], [btc1m, "1m"]] as const) {
    for (const strategy of [DEFAULT, WEIGHTED]) {
      const expected = { direction: [] as number[], sl: [] as number[], tp: [] as number[] };
      const one = engine.series("X", interval, strategy);
      for (const c of candles) {
        const d = one.decide(c);
        expected.direction.push(
          d === undefined
            ? WARMING_UP
            : d.direction === "Long"
            ? 1
            : d.direction === "Short"
            ? -1
            : 0,
        );
        expected.sl.push(d?.sl_pct ?? NaN);
        expected.tp.push(d?.tp_pct ?? NaN);
      }
      assert.ok(expected.sl.filter((x) => x === x).length > 100, "stops occurred");
      for (const size of [1, 7, 300, 2048]) {
        const blocked = engine.series("X", interval, strategy);
        const out = {
          direction: new Int8Array(size),
          sl: new Float64Array(size),
          tp: new Float64Array(size),
        };
        for (let start = 0; start < candles.length; start += size) {
          const end = Math.min(candles.length, start + size);
          blocked.decideBlock(candles, start, end, out);
          for (let q = 0; q < end - start; q++) {
            const k = start + q;
            const at = `${strategy.id} ${interval} block ${size} candle ${k}`;
            assert.equal(out.direction[q], expected.direction[k], at);
            if (out.direction[q] === WARMING_UP) continue;
            assert.ok(Object.is(out.sl[q], expected.sl[k]), `${at}: sl ${out.sl[q]}`);
            assert.ok(Object.is(out.tp[q], expected.tp[k]), `${at}: tp ${out.tp[q]}`);
          }
        }
        assert.equal(blocked.count, one.count);
        assert.equal(blocked.lastTime, one.lastTime);
      }
    }
  }
});

Deno.test("decideBlock: a refused candle mid-block stops there, the candles before it taken", () => {
  const candles = loadCandles(BTC_1H).slice(0, 600);
  const bad = candles.slice();
  bad[450] = { ...bad[450], low: -1 };
  const s = engine.series("BTC", "1h", DEFAULT);
  const out = {
    direction: new Int8Array(600),
    sl: new Float64Array(600),
    tp: new Float64Array(600),
  };
  assert.throws(() => s.decideBlock(bad, 0, 600, out), CandleError);
  assert.equal(s.count, 450);
  assert.equal(s.lastTime, candles[449].time);
  // The series goes on from the refused candle, as after decide's refusal.
  const ref = engine.series("BTC", "1h", DEFAULT);
  for (const c of candles.slice(0, 450)) ref.decide(c);
  s.decideBlock(candles, 450, 600, out);
  for (let q = 0; q < 150; q++) {
    const d = ref.decide(candles[450 + q])!;
    assert.equal(out.direction[q], d.direction === "Long" ? 1 : d.direction === "Short" ? -1 : 0);
  }
});
