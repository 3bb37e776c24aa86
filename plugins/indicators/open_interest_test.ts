import assert from "node:assert/strict";
import fc from "fast-check";
import { type Candle, CandleError, runBatch, runSignals } from "perptrix";
import { dataPath, loadCandles } from "../../tests/data.ts";
import openInterest, {
  OPEN_INTEREST_SIGNALS,
  OPEN_INTEREST_STATES,
  type OpenInterestParams,
} from "./open_interest.ts";

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2025, 0, 1);

function bar(time: number, close: number, openInterest?: number): Candle {
  return { time, open: close, high: close, low: close, close, volume: 1, openInterest };
}

function params(p: Partial<OpenInterestParams> = {}): OpenInterestParams {
  return openInterest.params.parse(p);
}

/** Two hourly bars: the state after moving OI from oi0 to oi1 and price from c0 to c1. */
function step(oi0: number, oi1: number, c0: number, c1: number, p = params()): string {
  const s = openInterest.create(p);
  s.update(bar(T0, c0, oi0));
  s.update(bar(T0 + H, c1, oi1));
  return openInterest.evaluate(s, p).state;
}

Deno.test("open_interest: defaults, contract and parameter validation", () => {
  const p = params();
  assert.equal(p.windowMs, H);
  assert.equal(p.thresholdPct, 2);
  assert.equal(openInterest.category, "perp");
  assert.deepEqual([...openInterest.states], [...OPEN_INTEREST_STATES]);
  assert.throws(() => openInterest.params.parse({ thresholdPct: 0 }));
  assert.throws(() => openInterest.params.parse({ thresholdPct: -2 }));
  assert.throws(() => openInterest.params.parse({ windowMs: 1000 }));
  assert.throws(() => openInterest.params.parse({ window: "1h" }), "unknown keys are typos");
});

Deno.test("open_interest: the table — every state, score and reason (hand-built)", () => {
  const cases: [number, number, number, string, number, string][] = [
    [100, 103, 101, "BullishExpansion", 2, "New money entering longs"],
    [100, 103, 99, "BearishExpansion", -2, "New money entering shorts"],
    [100, 97, 101, "ShortSqueeze", 1, "Potential short squeeze"],
    [100, 97, 99, "LongSqueeze", -1, "Long squeeze in progress"],
    [100, 101, 110, "Neutral", 0, ""], // OI within ±2 %
    [100, 99, 90, "Neutral", 0, ""],
    [100, 110, 100, "Neutral", 0, ""], // price unchanged
    [100, 90, 100, "Neutral", 0, ""],
    [100, 102, 101, "Neutral", 0, ""], // exactly +2 %: strict threshold
    [100, 98, 99, "Neutral", 0, ""],
  ];
  const p = params();
  for (const [oi0, oi1, c1, state, score, reason] of cases) {
    const s = openInterest.create(p);
    s.update(bar(T0, 100, oi0));
    s.update(bar(T0 + H, c1, oi1));
    const sig = openInterest.evaluate(s, p);
    assert.equal(sig.state, state, `OI ${oi0}→${oi1}, price 100→${c1}`);
    assert.equal(sig.score, score);
    assert.equal(sig.reason, reason);
    assert.ok(Object.isFrozen(sig));
    assert.equal(sig, OPEN_INTEREST_SIGNALS[state as keyof typeof OPEN_INTEREST_SIGNALS]);
  }
  // The threshold is configurable.
  assert.equal(step(100, 101.5, 100, 101, params({ thresholdPct: 1 })), "BullishExpansion");
});

Deno.test("open_interest: no data → Neutral and nulls; missing OI keeps the last state", () => {
  const p = params();
  const s = openInterest.create(p);
  s.update(bar(T0, 100));
  assert.deepEqual(s.values(), { oi: null, oi_change_pct: null, price_change_pct: null });
  assert.equal(openInterest.evaluate(s, p), OPEN_INTEREST_SIGNALS.Neutral);
  s.update(bar(T0 + H, 100, 1000));
  assert.deepEqual(s.values(), { oi: 1000, oi_change_pct: null, price_change_pct: null });
  s.update(bar(T0 + 2 * H, 95, 1100));
  assert.equal(openInterest.evaluate(s, p).state, "BearishExpansion");
  const v = s.values();
  assert.ok(Math.abs(v.oi_change_pct! - 10) < 1e-12);
  assert.ok(Math.abs(v.price_change_pct! + 5) < 1e-12);
  for (let i = 3; i < 10; i++) s.update(bar(T0 + i * H, 120)); // no OI: state kept
  assert.deepEqual(s.values(), v);
  assert.equal(openInterest.evaluate(s, p).state, "BearishExpansion");
  assert.equal(s.count, 10);
});

Deno.test("open_interest: zero reference OI is guarded (no division by zero)", () => {
  const p = params();
  const s = openInterest.create(p);
  s.update(bar(T0, 100, 0));
  s.update(bar(T0 + H, 101, 50));
  assert.equal(s.values().oi_change_pct, null);
  assert.equal(openInterest.evaluate(s, p).state, "Neutral");
  s.update(bar(T0 + 2 * H, 102, 52)); // reference is now 50
  assert.ok(Math.abs(s.values().oi_change_pct! - 4) < 1e-12);
  assert.equal(openInterest.evaluate(s, p).state, "BullishExpansion");
});

Deno.test("open_interest: bad input is a clear error and leaves the state unchanged", () => {
  const s = openInterest.create(params());
  s.update(bar(T0, 100, 10));
  s.update(bar(T0 + H, 100, 11));
  const v = s.values();
  assert.throws(() => s.update(bar(T0 + H, 100, 12)), CandleError);
  assert.throws(() => s.update(bar(T0 + 2 * H, 100, NaN)), /openInterest NaN/);
  assert.throws(() => s.update(bar(T0 + 2 * H, 100, -1)), CandleError);
  assert.throws(() => s.update(bar(T0 + 2 * H, NaN, 5)), /close NaN/);
  assert.deepEqual(s.values(), v);
  assert.equal(s.count, 2);
});

Deno.test("open_interest: the window is time, not samples — 1m bars compare with 60 minutes ago", () => {
  const bars: Candle[] = [];
  // OI +0.05 % per minute (≈ +3.0 % per hour), price +0.01 % per minute.
  for (let i = 0; i < 180; i++) bars.push(bar(T0 + i * M, 100 * 1.0001 ** i, 1000 * 1.0005 ** i));
  const out = runBatch(openInterest, bars);
  for (let i = 0; i < 60; i++) assert.equal(out.oi_change_pct[i], null, `minute ${i} is warm-up`);
  const expected = (1.0005 ** 60 - 1) * 100;
  for (let i = 60; i < 180; i++) {
    assert.ok(Math.abs(out.oi_change_pct[i]! - expected) < 1e-9, `minute ${i}`);
  }
  const states = runSignals(openInterest, bars).map((x) => x.state);
  assert.equal(states[59], "Neutral");
  assert.equal(states[60], "BullishExpansion");
  // The original compared consecutive samples: +0.05 % per bar never crosses 2 %.
  const perBar = runSignals(openInterest, bars, { windowMs: M }).map((x) => x.state);
  assert.ok(perBar.every((x) => x === "Neutral"));
});

/** Independent as-of reference: the newest observation at or before t − W. */
function referencePct(
  obs: { t: number; oi: number; c: number }[],
  n: number,
  w: number,
): [number, number] | null {
  let ref = -1;
  for (let i = 0; i <= n; i++) if (obs[i].t <= obs[n].t - w) ref = i;
  if (ref < 0) return null;
  const r = obs[ref];
  return [
    r.oi > 0 ? ((obs[n].oi - r.oi) / r.oi) * 100 : NaN,
    ((obs[n].c - r.c) / r.c) * 100,
  ];
}

Deno.test("open_interest: streaming as-of lookup equals a linear scan on random irregular series", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          gap: fc.integer({ min: 2 * M, max: 3 * H }), // > resolution (12 h / 510 ≈ 85 s): exact
          oi: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined }),
          c: fc.double({ min: 1, max: 1e5, noNaN: true }),
        }),
        { minLength: 1, maxLength: 200 },
      ),
      fc.integer({ min: 1, max: 12 }),
      (steps, hours) => {
        const p = params({ windowMs: hours * H });
        const s = openInterest.create(p);
        const obs: { t: number; oi: number; c: number }[] = [];
        let t = T0;
        for (const st of steps) {
          t += st.gap;
          s.update(bar(t, st.c, st.oi));
          if (st.oi === undefined) continue;
          obs.push({ t, oi: st.oi, c: st.c });
          const ref = referencePct(obs, obs.length - 1, p.windowMs);
          const v = s.values();
          if (ref === null) {
            if (v.oi_change_pct !== null || v.price_change_pct !== null) return false;
            continue;
          }
          const [oiPct, pxPct] = ref;
          if (Number.isNaN(oiPct) ? v.oi_change_pct !== null : v.oi_change_pct !== oiPct) {
            return false;
          }
          if (v.price_change_pct !== pxPct) return false;
        }
        return true;
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("open_interest: memory is bounded for sub-resolution updates", () => {
  // One observation per second for 3 hours with a 64-sample budget: lookups stay within one
  // resolution step (1 h / 62 ≈ 58 s) of the exact as-of reference.
  const p = params({ maxSamples: 64 });
  const s = openInterest.create(p);
  const oi = (i: number) => 1000 + i; // +1 per second
  for (let i = 0; i < 3 * 3600; i++) s.update(bar(T0 + i * 1000, 100, oi(i)));
  const last = 3 * 3600 - 1;
  const exact = ((oi(last) - oi(last - 3600)) / oi(last - 3600)) * 100;
  const got = s.values().oi_change_pct!;
  // 58 s of OI drift at +1/s is ~58 units of ~10 k: < 0.6 percentage points.
  assert.ok(got >= exact && got - exact < 0.6, `${got} vs ${exact}`);
});

/** Binance BTCUSDT open interest (1h, 500 rows, 2026-03). */
function loadOpenInterest(): { time: number; oi: number }[] {
  const lines = Deno.readTextFileSync(dataPath("binance-btcusdt-perp-oi-1h-2026-03.csv"))
    .trim().split("\n");
  assert.equal(lines[0], "time,open_interest");
  return lines.slice(1).map((l) => {
    const [t, v] = l.split(",").map(Number);
    return { time: t, oi: v };
  });
}

Deno.test("open_interest: real Binance OI — windowed changes match direct differences; 2 %/h is rare", () => {
  const oi = loadOpenInterest();
  assert.equal(oi.length, 500);
  // No price series exists for these hours: a constant price isolates the OI arithmetic.
  const bars = oi.map((o) => bar(o.time, 100, o.oi));
  let big = 0;
  for (const hours of [1, 4, 24]) {
    const out = runBatch(openInterest, bars, { windowMs: hours * H });
    for (let i = 0; i < oi.length; i++) {
      if (i < hours) {
        assert.equal(out.oi_change_pct[i], null);
        continue;
      }
      const direct = ((oi[i].oi - oi[i - hours].oi) / oi[i - hours].oi) * 100;
      assert.ok(Math.abs(out.oi_change_pct[i]! - direct) < 1e-9, `${hours}h row ${i}`);
      if (hours === 1 && Math.abs(direct) > 2) big++;
    }
    // Price unchanged: whatever OI does, the table says Neutral.
    assert.ok(runSignals(openInterest, bars, { windowMs: hours * H }).every((s) => s.score === 0));
  }
  // The default 2 % per hour fires on a small minority of hours of real BTC open interest.
  assert.ok(big > 0 && big < 50, `hours with |ΔOI| > 2 %: ${big} of 499`);
});

Deno.test("open_interest: crash regime (real 5m prices) — states pair OI change with real price moves", () => {
  const candles = loadCandles("regimes/crash-2025-10-10-binance-btcusdt-perp-5m.csv");
  // OI path: builds up 0.4 % per bar for 36 h, then unwinds 0.4 % per bar (liquidations).
  const oiAt = (i: number) => 80_000 * (i < 432 ? 1.004 ** i : 1.004 ** 432 * 0.996 ** (i - 432));
  const bars = candles.map((c, i) => ({ ...c, openInterest: oiAt(i) }));
  const signals = runSignals(openInterest, bars);
  const p = params();
  const seen = new Set<string>();
  for (let i = 0; i < bars.length; i++) {
    let expected = "Neutral";
    if (i >= 12) { // 12 five-minute bars = the 1 h window
      const oiPct = ((oiAt(i) - oiAt(i - 12)) / oiAt(i - 12)) * 100;
      const px = candles[i].close - candles[i - 12].close;
      if (oiPct > p.thresholdPct) {
        expected = px > 0 ? "BullishExpansion" : px < 0 ? "BearishExpansion" : "Neutral";
      } else if (oiPct < -p.thresholdPct) {
        expected = px > 0 ? "ShortSqueeze" : px < 0 ? "LongSqueeze" : "Neutral";
      }
    }
    assert.equal(signals[i].state, expected, `bar ${i}`);
    seen.add(expected);
  }
  // Real prices rise and fall within both halves, so all four table states occur.
  for (const s of OPEN_INTEREST_STATES) assert.ok(seen.has(s), `${s} seen`);
});
