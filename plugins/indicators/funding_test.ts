import assert from "node:assert/strict";
import fc from "fast-check";
import { type Candle, CandleError, runBatch, runSignals } from "perptrix";
import { loadCandles, loadFunding } from "../../tests/data.ts";
import funding, {
  classifyFunding,
  FUNDING_SIGNALS,
  FUNDING_STATES,
  type FundingParams,
  type FundingState,
} from "./funding.ts";

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2025, 0, 1);
const BASE = 0.0000125; // Hyperliquid baseline per hour (0.01 % / 8 h)

function bar(time: number, fundingRate?: number): Candle {
  return { time, open: 100, high: 101, low: 99, close: 100, volume: 1, fundingRate };
}

function params(p: Partial<FundingParams> = {}): FundingParams {
  return funding.params.parse(p);
}

/** Feeds hourly candles with the given per-hour rates, starting at T0. */
function feedHourly(rates: readonly number[], p = params()): FundingState {
  const s = funding.create(p);
  rates.forEach((r, i) => s.update(bar(T0 + i * H, r)));
  return s;
}

/**
 * Independent definition of the windowed time-weighted mean: the rate observed at t_i was in
 * force over (t_{i-1}, t_i]; integrate the step function over [t_n − W, t_n].
 */
function referenceMean(obs: readonly { t: number; r: number }[], n: number, w: number): number {
  let s = 0;
  let d = 0;
  const cut = obs[n].t - w;
  for (let i = 1; i <= n; i++) {
    const ov = obs[i].t - Math.max(obs[i - 1].t, cut);
    if (ov > 0) {
      s += obs[i].r * ov;
      d += ov;
    }
  }
  return d > 0 ? s / d : obs[n].r;
}

function close(a: number, b: number, rel = 1e-9, abs = 1e-15): boolean {
  return Math.abs(a - b) <= abs + rel * Math.abs(b);
}

Deno.test("funding: defaults are per hour and documented; bad parameters are rejected", () => {
  const p = params();
  assert.equal(p.windowMs, 24 * H);
  assert.equal(p.highPerHour, 5 * BASE);
  assert.equal(p.extremePerHour, 10 * BASE);
  assert.equal(p.neutralCenter, 0);
  assert.equal(p.neutralBand, 0);
  assert.equal(p.extremes, "absolute");
  assert.throws(() => funding.params.parse({ highPerHour: 0.001, extremePerHour: 0.0005 }));
  assert.throws(() => funding.params.parse({ windowMs: 0 }));
  assert.throws(() => funding.params.parse({ windowMs: "24h" }));
  assert.throws(() => funding.params.parse({ extremes: "percentile" }));
  assert.throws(() => funding.params.parse({ lookbak: 24 }), "unknown keys are typos");
  assert.throws(() => funding.params.parse({ highSigma: 3, extremeSigma: 2 }));
  assert.throws(() => funding.params.parse({ relativeHours: 48, relativeMinHours: 72 }));
  assert.deepEqual([...funding.states], [...FUNDING_STATES]);
  assert.equal(funding.category, "perp");
});

Deno.test("funding: no data ever → Neutral, score 0, null values; candles without a rate keep state", () => {
  const p = params();
  const s = funding.create(p);
  for (let i = 0; i < 5; i++) s.update(bar(T0 + i * H));
  assert.equal(s.count, 5);
  assert.deepEqual(s.values(), { rate: null, mean: null, hours: null, zscore: null });
  assert.equal(funding.evaluate(s, p), FUNDING_SIGNALS.Neutral);
  assert.equal(funding.evaluate(s, p).score, 0);
  s.update(bar(T0 + 5 * H, 2 * BASE));
  s.update(bar(T0 + 6 * H, 2 * BASE));
  const before = s.values();
  for (let i = 7; i < 100; i++) s.update(bar(T0 + i * H)); // 4 days without funding
  assert.deepEqual(s.values(), before, "the last state is kept, not decayed or evicted");
  assert.equal(funding.evaluate(s, p).state, "NeutralPositive");
});

Deno.test("funding: bad input is a clear error and leaves the state unchanged", () => {
  const s = funding.create(params());
  s.update(bar(T0, BASE));
  s.update(bar(T0 + H, 3 * BASE));
  const v = s.values();
  assert.throws(() => s.update(bar(T0 + H, BASE)), CandleError); // duplicate time
  assert.throws(() => s.update(bar(T0, BASE)), /not after/);
  assert.throws(() => s.update(bar(T0 + 2 * H, NaN)), /fundingRate NaN/);
  assert.throws(() => s.update(bar(T0 + 2 * H, Infinity)), CandleError);
  assert.equal(s.count, 2);
  assert.deepEqual(s.values(), v);
  s.update(bar(T0 + 2 * H, 3 * BASE)); // and it carries on
  assert.equal(s.count, 3);
});

Deno.test("funding: the mean is time-weighted over 24 h, not the last 24 samples", () => {
  // 12 h at 8×base then 12 h at 0: the mean is exactly 4×base once both halves are in the window.
  const rates = [...Array(13).fill(8 * BASE), ...Array(12).fill(0)];
  const s = feedHourly(rates);
  assert.ok(close(s.mean, 4 * BASE), `mean ${s.mean}`);
  assert.equal(s.values().hours, 24);
  // Another 12 h at 0: the 8×base half leaves the window exactly.
  for (let i = 25; i < 37; i++) s.update(bar(T0 + i * H, 0));
  assert.equal(s.mean, 0);
  // Irregular spacing: one 20 h gap carrying 2×base and a 4 h segment at 6×base.
  const t = funding.create(params());
  t.update(bar(T0, 0));
  t.update(bar(T0 + 20 * H, 2 * BASE));
  t.update(bar(T0 + 24 * H, 6 * BASE));
  assert.ok(close(t.mean, (20 * 2 * BASE + 4 * 6 * BASE) / 24));
  // 1 more hour: 1 h of the 2×base segment falls out of the window (clipped exactly).
  t.update(bar(T0 + 25 * H, 6 * BASE));
  assert.ok(close(t.mean, (19 * 2 * BASE + 5 * 6 * BASE) / 24));
});

Deno.test("funding: 1m, 5m and 1h candles carrying the same hourly rates give the same mean", () => {
  const hourly = Array.from({ length: 60 }, (_, h) => BASE * (1 + Math.sin(h / 3) * 4));
  const p = params();
  const byStep = (stepMs: number) => {
    const s = funding.create(p);
    const means: number[] = [];
    s.update(bar(T0, hourly[0]));
    for (let t = T0 + stepMs; t <= T0 + 59 * H; t += stepMs) {
      // The rate settled at the end of hour h applies to every bar closing within that hour.
      s.update(bar(t, hourly[Math.ceil((t - T0) / H)]));
      if ((t - T0) % H === 0) means.push(s.mean);
    }
    return means;
  };
  const h1 = byStep(H);
  const m5 = byStep(5 * M);
  const m1 = byStep(M);
  assert.equal(h1.length, 59);
  for (let i = 0; i < h1.length; i++) {
    assert.ok(close(m5[i], h1[i]), `5m vs 1h at hour ${i + 1}: ${m5[i]} vs ${h1[i]}`);
    assert.ok(close(m1[i], h1[i]), `1m vs 1h at hour ${i + 1}: ${m1[i]} vs ${h1[i]}`);
  }
  // And after 24 h it is the plain average of the last 24 hourly settlements.
  const last24 = hourly.slice(36, 60).reduce((a, b) => a + b, 0) / 24;
  assert.ok(close(h1[58], last24));
});

Deno.test("funding: streaming mean equals the integral definition on random irregular series", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          gap: fc.integer({ min: M, max: 6 * H }), // ≥ the merge resolution: exact
          r: fc.double({ min: -0.001, max: 0.001, noNaN: true }),
          withRate: fc.boolean(),
        }),
        { minLength: 1, maxLength: 300 },
      ),
      fc.integer({ min: 1, max: 48 }),
      (steps, windowHours) => {
        const p = params({ windowMs: windowHours * H, maxSegments: 65_536 });
        const s = funding.create(p);
        const obs: { t: number; r: number }[] = [];
        let t = T0;
        for (const st of steps) {
          t += st.gap;
          s.update(bar(t, st.withRate ? st.r : undefined));
          if (st.withRate) obs.push({ t, r: st.r });
          if (obs.length > 0) {
            const ref = referenceMean(obs, obs.length - 1, p.windowMs);
            if (!close(s.mean, ref, 1e-9, 1e-18)) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("funding: memory stays bounded on sub-resolution candles; the mean stays accurate", () => {
  // 2 days of 1-second observations with a tiny segment budget: at most 64 segments are kept.
  const p = params({ maxSegments: 64 });
  const s = funding.create(p);
  const obs: { t: number; r: number }[] = [];
  for (let i = 0; i < 2 * 86_400; i += 1) {
    const r = BASE * (1 + Math.sin(i / 5000));
    s.update(bar(T0 + i * 1000, r));
    obs.push({ t: T0 + i * 1000, r });
  }
  const ref = referenceMean(obs, obs.length - 1, p.windowMs);
  // Merging only blurs the oldest segment at the window edge: error ≤ one resolution step.
  assert.ok(close(s.mean, ref, 1 / 60), `bounded mean ${s.mean} vs exact ${ref}`);
});

Deno.test("funding: every state, its score, risk rule and reason (hand-built hourly series)", () => {
  const p = params();
  const cases: [number, string, number][] = [
    [0.0002, "ExtremeLongBias", -2],
    [-0.0002, "ExtremeShortBias", 2],
    [0.0001, "HighLongBias", -1],
    [-0.0001, "HighShortBias", 1],
    [BASE, "NeutralPositive", -1],
    [-BASE, "NeutralNegative", 1],
    [0, "Neutral", 0],
  ];
  for (const [rate, state, score] of cases) {
    const s = feedHourly(Array(30).fill(rate), p);
    const sig = funding.evaluate(s, p);
    assert.equal(sig.state, state, `rate ${rate}`);
    assert.equal(sig.score, score);
    assert.equal(sig, FUNDING_SIGNALS[state as keyof typeof FUNDING_SIGNALS], "shared object");
    assert.ok(Object.isFrozen(sig));
  }
  const ex = FUNDING_SIGNALS;
  assert.equal(ex.ExtremeLongBias.reason, "Funding extremes favor longs (crowded)");
  assert.equal(ex.ExtremeLongBias.widenStops, true);
  assert.equal(ex.ExtremeLongBias.risk!(0), 2, "trading with the crowd (long) is risky");
  assert.equal(ex.ExtremeLongBias.risk!(-4), -1, "fading the crowd lowers risk");
  assert.equal(ex.ExtremeShortBias.reason, "Funding extremes favor shorts (squeeze fuel)");
  assert.equal(ex.ExtremeShortBias.widenStops, true);
  assert.equal(ex.ExtremeShortBias.risk!(0), 2);
  assert.equal(ex.ExtremeShortBias.risk!(3), -1);
  assert.equal(ex.HighLongBias.risk!(5), 1);
  assert.equal(ex.HighShortBias.risk!(-5), 1);
  assert.equal(ex.NeutralPositive.risk, undefined);
  assert.equal(ex.Neutral.reason, "");
  // Thresholds are strict, like the original.
  assert.equal(classifyFunding(feedHourly(Array(30).fill(p.extremePerHour), p), p), "HighLongBias");
  assert.equal(
    classifyFunding(feedHourly(Array(30).fill(-p.highPerHour), p), p),
    "NeutralNegative",
  );
});

Deno.test("funding: state transitions follow the 24 h mean as a spike enters and leaves", () => {
  // 24 h at baseline, then 6 h at 50×base, then baseline again.
  const rates = [
    ...Array(25).fill(BASE),
    ...Array(6).fill(50 * BASE),
    ...Array(30).fill(BASE),
  ];
  const states = runSignals(funding, rates.map((r, i) => bar(T0 + i * H, r))).map((x) => x.state);
  assert.equal(states[24], "NeutralPositive");
  // Mean after k spike hours = base·(24 − k + 50k)/24: k=1 → 3.04×base (still NeutralPositive),
  // k=2 → 5.08×base > 5× (High), k=3 → 7.1× (High), k=5 → 11.2× > 10× (Extreme).
  assert.equal(states[25], "NeutralPositive");
  assert.equal(states[26], "HighLongBias");
  assert.equal(states[27], "HighLongBias");
  assert.equal(states[29], "ExtremeLongBias");
  assert.equal(states[30], "ExtremeLongBias");
  // Bar n's window holds bars n−23..n, so the spike (bars 25..30) leaves from bar 49 on:
  // 5 spike hours left → 11.2× (Extreme), 4 → 9.2× (High), 2 → 5.08× (High), 1 → 3.04×.
  assert.equal(states[48], "ExtremeLongBias");
  assert.equal(states[49], "ExtremeLongBias");
  assert.equal(states[50], "HighLongBias");
  assert.equal(states[52], "HighLongBias");
  assert.equal(states[53], "NeutralPositive");
  assert.equal(states[60], "NeutralPositive");
});

Deno.test("funding: the dead-band around the baseline is opt-in; 0 keeps the original tilt", () => {
  const orig = params();
  const banded = params({ neutralCenter: BASE, neutralBand: 0.5 * BASE });
  const atBase = feedHourly(Array(30).fill(BASE));
  assert.equal(classifyFunding(atBase, orig), "NeutralPositive");
  assert.equal(classifyFunding(atBase, banded), "Neutral");
  const slightlyAbove = feedHourly(Array(30).fill(2 * BASE));
  assert.equal(classifyFunding(slightlyAbove, banded), "NeutralPositive");
  const zero = feedHourly(Array(30).fill(0));
  assert.equal(classifyFunding(zero, banded), "NeutralNegative", "below the band is short-leaning");
});

Deno.test("funding: relative extremes follow the asset's own distribution", () => {
  // 10 days of funding oscillating around 12×base (a permanently hot asset like HYPE), then a
  // day at 30×base. Absolute thresholds call the whole history extreme; relative ones only the spike.
  const p = params({ extremes: "relative", relativeHours: 240, relativeMinHours: 48 });
  const abs = params();
  const rates: number[] = [];
  for (let h = 0; h < 240; h++) rates.push(BASE * (12 + 2 * Math.sin(h / 4)));
  const s = funding.create(p);
  const a = funding.create(abs);
  const statesRel: string[] = [];
  const statesAbs: string[] = [];
  rates.forEach((r, i) => {
    s.update(bar(T0 + i * H, r));
    a.update(bar(T0 + i * H, r));
    statesRel.push(classifyFunding(s, p));
    statesAbs.push(classifyFunding(a, abs));
  });
  assert.equal(statesAbs.at(-1), "ExtremeLongBias");
  // Before 48 hourly samples the relative mode falls back to the absolute thresholds.
  assert.equal(statesRel[30], statesAbs[30]);
  // Afterwards, ordinary hot funding is only "leaning long".
  assert.ok(statesRel.slice(60).every((x) => x === "NeutralPositive"), statesRel.slice(60).join());
  assert.ok(s.samples > 48);
  const v = s.values();
  assert.ok(v.zscore !== null && Math.abs(v.zscore) < 2, `z ${v.zscore}`);
  for (let h = 240; h < 252; h++) s.update(bar(T0 + h * H, 30 * BASE));
  assert.equal(classifyFunding(s, p), "ExtremeLongBias");
  assert.ok((s.values().zscore ?? 0) > 3);
  // A drop to slightly-below-usual but still positive funding is never a *short* bias.
  const q = funding.create(p);
  rates.forEach((r, i) => q.update(bar(T0 + i * H, r)));
  for (let h = 240; h < 264; h++) q.update(bar(T0 + h * H, 2 * BASE));
  assert.equal(classifyFunding(q, p), "NeutralPositive");
  // σ floor: a rate pinned at the baseline for weeks does not make a small uptick extreme.
  const pinned = funding.create(p);
  for (let h = 0; h < 240; h++) pinned.update(bar(T0 + h * H, BASE));
  for (let h = 240; h < 244; h++) pinned.update(bar(T0 + h * H, 2 * BASE));
  assert.equal(classifyFunding(pinned, p), "NeutralPositive");
});

/** Hyperliquid hourly funding joined to the Hyperliquid 1h candles: bar [T, T+1h) gets the
 * settlement made at its close (the rate paid for that hour). */
function joinHourly(candleFile: string, fundingFile: string): Candle[] {
  const candles = loadCandles(candleFile);
  const settle = new Map<number, number>();
  for (const f of loadFunding(fundingFile)) {
    // Settlements are hourly since 2023-06-08 01:00 UTC; keys rounded to the hour (±0.4 s jitter).
    if (f.time >= Date.UTC(2023, 5, 8, 1)) settle.set(Math.round(f.time / H) * H, f.rate);
  }
  return candles.map((c) => ({ ...c, fundingRate: settle.get(c.time + H) }));
}

function shares(states: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of states) out[s] = (out[s] ?? 0) + 1 / states.length;
  return out;
}

Deno.test("funding: real Hyperliquid candles — the mean is the plain 24 h average of settlements", () => {
  for (const sym of ["btc", "eth"]) {
    const bars = joinHourly(
      `hyperliquid-${sym}-perp-1h-2024-09_2025-07.csv`,
      `hyperliquid-${sym}-funding-1h-2023-05_2025-07.csv`,
    );
    const withRate = bars.filter((b) => b.fundingRate !== undefined).length;
    assert.ok(withRate > bars.length - 10, `${sym}: ${withRate} of ${bars.length} joined`);
    const s = funding.create(params());
    const recent: { t: number; r: number }[] = [];
    let checked = 0;
    for (const b of bars) {
      s.update(b);
      if (b.fundingRate === undefined) continue;
      recent.push({ t: b.time, r: b.fundingRate });
      if (recent.length > 25) recent.shift();
      // With no gap in the last 25 bars, the time-weighted mean is the plain average of 24 rates.
      if (recent.length === 25 && recent[24].t - recent[0].t === 24 * H) {
        const avg = recent.slice(1).reduce((a, x) => a + x.r, 0) / 24;
        assert.ok(close(s.mean, avg, 1e-9), `${sym} at ${b.time}: ${s.mean} vs ${avg}`);
        checked++;
      }
    }
    assert.ok(checked > 7000, `${sym}: ${checked}`);
  }
});

/** Every hourly settlement of a funding file as a bar at the settlement hour. */
function settlementBars(file: string): Candle[] {
  return loadFunding(file)
    .filter((f) => f.time >= Date.UTC(2023, 5, 8, 1)) // hourly era only (8-hourly before)
    .map((f) => bar(Math.round(f.time / H) * H, f.rate));
}

Deno.test("funding: default thresholds on 2 years of real Hyperliquid funding — extremes rare but present", () => {
  for (const sym of ["btc", "eth"]) {
    const states = runSignals(
      funding,
      settlementBars(`hyperliquid-${sym}-funding-1h-2023-05_2025-07.csv`),
    )
      .slice(24)
      .map((x) => x.state);
    assert.ok(states.length > 18_000);
    const sh = shares(states);
    const extreme = (sh.ExtremeLongBias ?? 0) + (sh.ExtremeShortBias ?? 0);
    const high = (sh.HighLongBias ?? 0) + (sh.HighShortBias ?? 0);
    // Extreme (> 10× baseline, 24 h average): a few crowded-long episodes (e.g. Mar 2024), < 1 %.
    assert.ok(extreme > 0.001 && extreme < 0.01, `${sym} extreme share ${extreme}`);
    // High (5–10× baseline): a minority of hours, not the normal state.
    assert.ok(high > 0.02 && high < 0.15, `${sym} high share ${high}`);
    // The original design's tilt: Hyperliquid funding is positive most of the time.
    assert.ok((sh.NeutralPositive ?? 0) > 0.6, `${sym} NeutralPositive ${sh.NeutralPositive}`);
    assert.ok((sh.NeutralNegative ?? 0) > 0.02, `${sym} NeutralNegative ${sh.NeutralNegative}`);
  }
});

Deno.test("funding: real HYPE funding — relative mode matches an independent rolling μ/σ", () => {
  const bars = settlementBars("hyperliquid-hype-funding-1h-2024-12_2025-07.csv");
  const abs = params();
  const rel = params({ extremes: "relative" });
  const absStates = runSignals(funding, bars, abs).map((x) => x.state);
  // Motivation: with absolute defaults a hot new listing reads "extreme" for weeks.
  const absExtreme = shares(absStates).ExtremeLongBias ?? 0;
  assert.ok(absExtreme > 0.05, `absolute extreme share on HYPE ${absExtreme}`);

  const relStates = runSignals(funding, bars, rel).map((x) => x.state);
  const rates = bars.map((b) => b.fundingRate!);
  // Independent: hourly bars, so the window mean is the plain average of the last ≤ 24 rates
  // (the first rate has no elapsed period yet), and every bar adds one hourly sample.
  const means = rates.map((_, k) => {
    if (k === 0) return rates[0];
    const from = Math.max(1, k - 23);
    let sum = 0;
    for (let i = from; i <= k; i++) sum += rates[i];
    return sum / (k - from + 1);
  });
  const counts: Record<string, number> = {};
  for (let k = 0; k < bars.length; k++) {
    const m = means[k];
    let hiUp = abs.highPerHour, exUp = abs.extremePerHour;
    let hiDn = -abs.highPerHour, exDn = -abs.extremePerHour;
    const from = Math.max(0, k - rel.relativeHours + 1);
    const n = k - from + 1;
    if (n >= rel.relativeMinHours) {
      let s1 = 0;
      for (let i = from; i <= k; i++) s1 += means[i];
      const mu = s1 / n;
      let s2 = 0;
      for (let i = from; i <= k; i++) s2 += (means[i] - mu) ** 2;
      const sd = Math.max(Math.sqrt(s2 / n), rel.minSigmaPerHour);
      hiUp = Math.max(mu + 2 * sd, 0);
      exUp = Math.max(mu + 3 * sd, 0);
      hiDn = Math.min(mu - 2 * sd, 0);
      exDn = Math.min(mu - 3 * sd, 0);
    }
    const expected = m > exUp
      ? "ExtremeLongBias"
      : m < exDn
      ? "ExtremeShortBias"
      : m > hiUp
      ? "HighLongBias"
      : m < hiDn
      ? "HighShortBias"
      : m > 0
      ? "NeutralPositive"
      : m < 0
      ? "NeutralNegative"
      : "Neutral";
    assert.equal(relStates[k], expected, `bar ${k} mean ${m}`);
    counts[expected] = (counts[expected] ?? 0) + 1;
  }
  // Relative extremes are events (≥ 3σ above the asset's own month), not a regime.
  const relExtreme = (counts.ExtremeLongBias ?? 0) / bars.length;
  assert.ok(relExtreme > 0 && relExtreme < 0.05, `relative extreme share ${relExtreme}`);
});

Deno.test("funding: 8-hourly Binance funding on 5m regime slices matches an independent average", () => {
  const fund = loadFunding("binance-btcusdt-perp-funding-8h-2021-06_2026-02.csv");
  assert.equal(fund[0].periodHours, 8);
  const p = params();
  const regimes = {
    uptrend: "regimes/uptrend-2024-02-27_2024-03-05-binance-btcusdt-perp-5m.csv",
    downtrend: "regimes/downtrend-2026-01-30_2026-02-06-binance-btcusdt-perp-5m.csv",
    sideways: "regimes/sideways-2023-07-25_2023-08-01-binance-btcusdt-perp-5m.csv",
    crash: "regimes/crash-2025-10-10-binance-btcusdt-perp-5m.csv",
  };
  const seen: Record<string, Record<string, number>> = {};
  for (const [name, file] of Object.entries(regimes)) {
    // As-of join: the rate in force at each bar's close, normalised per hour (÷ 8).
    let j = 0;
    const bars = loadCandles(file).map((c) => {
      while (j + 1 < fund.length && fund[j + 1].time <= c.time + 5 * M) j++;
      return { ...c, fundingRate: fund[j].rate / fund[j].periodHours };
    });
    const signals = runSignals(funding, bars);
    const means = runBatch(funding, bars).mean;
    const counts: Record<string, number> = {};
    for (let i = 288; i < bars.length; i++) {
      // Independent: 288 five-minute bars = 24 h, each weighted equally.
      let sum = 0;
      for (let k = i - 287; k <= i; k++) sum += bars[k].fundingRate!;
      const avg = sum / 288;
      assert.ok(close(means[i]!, avg, 1e-9), `${name}[${i}] ${means[i]} vs ${avg}`);
      const expected = avg > p.extremePerHour
        ? "ExtremeLongBias"
        : avg < -p.extremePerHour
        ? "ExtremeShortBias"
        : avg > p.highPerHour
        ? "HighLongBias"
        : avg < -p.highPerHour
        ? "HighShortBias"
        : avg > 0
        ? "NeutralPositive"
        : avg < 0
        ? "NeutralNegative"
        : "Neutral";
      assert.equal(signals[i].state, expected, `${name}[${i}]`);
      counts[expected] = (counts[expected] ?? 0) + 1;
    }
    seen[name] = counts;
  }
  // Known episodes: euphoric longs paid > 0.05 %/8 h in the Feb-Mar 2024 rally; shorts paid in the
  // Feb 2026 sell-off; a quiet range never reaches High.
  assert.ok((seen.uptrend.HighLongBias ?? 0) > 100, JSON.stringify(seen.uptrend));
  assert.ok((seen.downtrend.NeutralNegative ?? 0) > 100, JSON.stringify(seen.downtrend));
  assert.deepEqual(Object.keys(seen.sideways), ["NeutralPositive"]);
});
