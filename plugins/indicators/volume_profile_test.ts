import assert from "node:assert/strict";
import fc from "fast-check";
import { type Candle, CandleError, runBatch, runSignals } from "perptrix";
import { BTC_1M, loadCandles } from "../../tests/data.ts";
import volumeProfile, {
  VOLUME_PROFILE_SIGNALS,
  VOLUME_PROFILE_STATES,
  type VolumeProfileParams,
  type VolumeProfileState,
} from "./volume_profile.ts";

const T0 = Date.UTC(2025, 0, 1);
const M5 = 300_000;

function params(p: Partial<VolumeProfileParams> = {}): VolumeProfileParams {
  return volumeProfile.params.parse(p);
}

/** Range mode: `bins` rows over the window's low–high range (the hand-built cases use it). */
function rangeParams(p: Partial<VolumeProfileParams> = {}): VolumeProfileParams {
  return params({ tickBps: 0, ...p });
}

/** A bar covering [low, high] with the close at `close` (default: mid). */
function range(i: number, low: number, high: number, volume: number, close?: number): Candle {
  const c = close ?? (low + high) / 2;
  return { time: T0 + i * M5, open: c, high, low, close: c, volume };
}

/** A zero-range bar: all its volume at one price. */
function point(i: number, price: number, volume: number): Candle {
  return range(i, price, price, volume);
}

function feed(bars: readonly Candle[], p: VolumeProfileParams): VolumeProfileState {
  const s = volumeProfile.create(p);
  for (const b of bars) s.update(b);
  return s;
}

const near = (a: number, b: number, rel = 1e-9) =>
  Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

/** Bars whose points put exactly `vols[k]` in bin k of `bins` rows spanning [100, 100 + 2·bins]. */
function binnedBars(vols: readonly number[], lastClose?: number): Candle[] {
  const top = 100 + 2 * vols.length;
  const bars: Candle[] = [range(0, 100, top, 0)]; // fixes the range, adds no volume
  vols.forEach((v, k) => bars.push(point(k + 1, 101 + 2 * k, v)));
  if (lastClose !== undefined) bars.push(point(vols.length + 1, lastClose, 0));
  return bars;
}

/**
 * Independent reference for range mode: `bins` rows over [min low, max high], each bar's volume
 * spread by the overlap of its range with each bin, computed bin by bin.
 */
function reference(
  window: readonly Candle[],
  p: VolumeProfileParams,
): { poc: number; vah: number; val: number; vols: number[] } | null {
  const f = (x: number) => x;
  const g = (x: number) => x;
  const lo = Math.min(...window.map((c) => c.low));
  const hi = Math.max(...window.map((c) => c.high));
  const total = window.reduce((a, c) => a + c.volume, 0);
  if (!(total > 0)) return null;
  const x0 = lo;
  const w = (hi - lo) / p.bins;
  const nb = w > 0 ? p.bins : 1;
  const binOf = (x: number) => w > 0 ? Math.min(nb - 1, Math.max(0, Math.floor((x - x0) / w))) : 0;
  const vols: number[] = [];
  for (let b = 0; b < nb; b++) {
    const a = x0 + b * w;
    const z = x0 + (b + 1) * w;
    let v = 0;
    for (const c of window) {
      const l = f(c.low);
      const h = f(c.high);
      if (binOf(l) === binOf(h)) {
        if (binOf(l) === b) v += c.volume;
        continue;
      }
      const lowEdge = b === binOf(l) ? l : a; // clamp the outer bins to the bar
      const highEdge = b === binOf(h) ? h : z;
      const ov = Math.min(h, highEdge) - Math.max(l, lowEdge);
      if (ov > 0) v += (c.volume * ov) / (h - l);
    }
    vols.push(v);
  }
  let poc = 0;
  for (let b = 1; b < nb; b++) if (vols[b] > vols[poc] * (1 + 1e-9)) poc = b;
  let a = poc;
  let z = poc;
  let acc = vols[poc];
  while (acc < p.valueArea * total) {
    const up = z + 1 < nb ? vols[z + 1] : -1;
    const dn = a > 0 ? vols[a - 1] : -1;
    if (up < 0 && dn < 0) break;
    if (up > dn + 1e-9 * dn) acc += vols[++z];
    else acc += vols[--a];
  }
  return { poc: g(x0 + (poc + 0.5) * w), vah: g(x0 + (z + 1) * w), val: g(x0 + a * w), vols };
}

/**
 * Independent reference for the tick grid, recomputed from scratch for one window: rows
 * [k·w, (k+1)·w) in log-price with w = g·ln(1 + tickBps/10⁴), g the smallest grouping that keeps
 * the rows from the lowest low to the highest high within maxBins; each row's volume is the sum
 * of every bar's overlap with it; then POC, value area and the close's state.
 */
function gridReference(
  window: readonly Candle[],
  p: VolumeProfileParams,
): { poc: number; vah: number; val: number; state: string; vols: number[] } | null {
  const total = window.reduce((a, c) => a + c.volume, 0);
  if (!window.some((c) => c.volume > 0)) return null;
  const xlo = Math.log(Math.min(...window.map((c) => c.low)));
  const xhi = Math.log(Math.max(...window.map((c) => c.high)));
  const tick = Math.log1p(p.tickBps / 10_000);
  let g = 1;
  while (Math.floor(xhi / (tick * g)) - Math.floor(xlo / (tick * g)) + 1 > p.maxBins) g++;
  const w = tick * g;
  const first = Math.floor(xlo / w);
  const nb = Math.floor(xhi / w) - first + 1;
  const vols: number[] = [];
  for (let b = 0; b < nb; b++) {
    const a = (first + b) * w;
    const z = (first + b + 1) * w;
    let v = 0;
    for (const c of window) {
      const l = Math.log(c.low);
      const h = Math.log(c.high);
      const rl = Math.floor(l / w) - first;
      const rh = Math.floor(h / w) - first;
      if (rl === rh) {
        if (rl === b) v += c.volume;
      } else if (b >= rl && b <= rh) {
        const ov = Math.min(h, b === rh ? h : z) - Math.max(l, b === rl ? l : a);
        v += (c.volume * ov) / (h - l);
      }
    }
    vols.push(v);
  }
  let poc = 0;
  for (let b = 1; b < nb; b++) if (vols[b] > vols[poc] * (1 + 1e-9)) poc = b;
  let a = poc;
  let z = poc;
  let acc = vols[poc];
  while (acc < p.valueArea * total) {
    const up = z + 1 < nb ? vols[z + 1] : -1;
    const dn = a > 0 ? vols[a - 1] : -1;
    if (up < 0 && dn < 0) break;
    if (up > dn + 1e-9 * dn) acc += vols[++z];
    else acc += vols[--a];
  }
  const xc = Math.log(window[window.length - 1].close);
  const xp = (first + poc + 0.5) * w;
  let state: string;
  if (Math.abs(xc - xp) < p.nearBins * w) state = xc > xp ? "POCSupport" : "POCResistance";
  else {
    const vb = vols[Math.min(nb - 1, Math.max(0, Math.floor(xc / w) - first))];
    const avg = total / nb;
    state = vb > p.hvnFactor * avg ? "NearHVN" : vb < p.lvnFactor * avg ? "NearLVN" : "Neutral";
  }
  return {
    poc: Math.exp(xp),
    vah: Math.exp((first + z + 1) * w),
    val: Math.exp((first + a) * w),
    state,
    vols,
  };
}

Deno.test("volume_profile: defaults, contract and parameter validation", () => {
  const p = params();
  assert.equal(p.lookback, 240);
  assert.equal(p.bins, 50);
  assert.equal(p.tickBps, 5, "default: a fixed 5 bps log-price grid");
  assert.equal(p.maxBins, 1_000);
  assert.equal(p.valueArea, 0.7);
  assert.equal(volumeProfile.category, "volume");
  assert.equal(volumeProfile.warmup(p), 50);
  assert.deepEqual([...volumeProfile.states], [...VOLUME_PROFILE_STATES]);
  assert.throws(() => volumeProfile.params.parse({ bins: 1 }));
  assert.throws(() => volumeProfile.params.parse({ valueArea: 1 }));
  assert.throws(() => volumeProfile.params.parse({ tickBps: -1 }));
  assert.throws(() => volumeProfile.params.parse({ lookback: 10, minCandles: 20 }));
  assert.throws(() => volumeProfile.params.parse({ hvnFactor: 0.5, lvnFactor: 0.6 }));
  assert.throws(() => volumeProfile.params.parse({ tick: 10 }), "unknown keys are typos");
});

Deno.test("volume_profile: each bar's volume is spread over its high–low range", () => {
  const p = rangeParams({ bins: 2, minCandles: 1 });
  // A [100, 110] × 10 → 5 per bin; B [105, 110] × 10 → all in the upper bin.
  const s = feed([range(0, 100, 110, 10), range(1, 105, 110, 10)], p);
  assert.equal(s.binCount, 2);
  assert.equal(s.binVolume(0), 5);
  assert.equal(s.binVolume(1), 15);
  // POC = upper bin's centre; 15 ≥ 70 % of 20, so the value area is that bin alone.
  assert.deepEqual(s.values(), { poc: 107.5, vah: 110, val: 105 });
  // Spreading across many bins: [100, 110] into 5 rows of 2 → 2 each; then a partial bar.
  const t = feed(
    [range(0, 100, 110, 10), range(1, 101, 104, 3)],
    rangeParams({ bins: 5, minCandles: 1 }),
  );
  const got = [0, 1, 2, 3, 4].map((i) => t.binVolume(i));
  // [101, 104] × 3: 1 in [100,102), 2 in [102,104).
  assert.ok(got.every((v, i) => near(v, [3, 4, 2, 2, 2][i])), got.join());
});

Deno.test("volume_profile: a zero-range bar puts all of its volume in one bin", () => {
  const s = feed(
    [range(0, 100, 110, 0), point(1, 103, 9)],
    rangeParams({ bins: 5, minCandles: 1 }),
  );
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => s.binVolume(i)), [0, 9, 0, 0, 0]);
  assert.equal(s.poc, 103);
  // A whole window of one price: a single bin at that price.
  const flat = feed([point(0, 50, 1), point(1, 50, 2)], rangeParams({ minCandles: 1 }));
  assert.deepEqual(flat.values(), { poc: 50, vah: 50, val: 50 });
  assert.equal(volumeProfile.evaluate(flat, rangeParams()).state, "Neutral");
});

Deno.test("volume_profile: POC tie-break is deterministic — the lowest price wins", () => {
  const p = rangeParams({ bins: 2, minCandles: 1 });
  const a = feed([range(0, 100, 105, 10), range(1, 105, 110, 10)], p);
  const b = feed([range(0, 105, 110, 10), range(1, 100, 105, 10)], p); // other order
  assert.equal(a.poc, 102.5);
  assert.equal(b.poc, 102.5);
  // Three equal peaks.
  const c = feed(binnedBars([5, 1, 5, 1, 5]), rangeParams({ bins: 5, minCandles: 1 }));
  assert.equal(c.poc, 101);
});

Deno.test("volume_profile: value area grows from the POC by the larger neighbour until 70 %", () => {
  const p = rangeParams({ bins: 5, minCandles: 1 });
  // Rows [100,102) … [108,110]. 40 at POC; up 30 > down 10 → 70 = 70 % of 100: done.
  const a = feed(binnedBars([5, 10, 40, 30, 15]), p);
  assert.deepEqual(a.values(), { poc: 105, vah: 108, val: 104 });
  // 30 at POC; down 25 > up 20 → 55; then up 20 > down 10 → 75 ≥ 70.
  const b = feed(binnedBars([10, 25, 30, 20, 15]), p);
  assert.deepEqual(b.values(), { poc: 105, vah: 108, val: 102 });
  // Equal neighbours: the lower one is added first (deterministic): 40 + 20 ≥ 70 % of 80.
  const c = feed(binnedBars([0, 20, 40, 20, 0]), p);
  assert.deepEqual(c.values(), { poc: 105, vah: 106, val: 102 });
  // A configurable share: 90 % needs the whole profile here.
  const d = feed(
    binnedBars([5, 10, 40, 30, 15]),
    rangeParams({ bins: 5, minCandles: 1, valueArea: 0.9 }),
  );
  assert.deepEqual(d.values(), { poc: 105, vah: 110, val: 102 });
});

Deno.test("volume_profile: every state on hand-built profiles, with scores and reasons", () => {
  const p = rangeParams({ bins: 5, minCandles: 1 });
  // Profile 10 | 32 | 5 | 21 | 32 (avg 20): POC = row 1 (lower of the two 32s), centre 103.
  const vols = [10, 32, 5, 21, 32];
  const cases: [number, string, number, string][] = [
    [103.5, "POCSupport", 1, "Price at POC support"], // within one row (2) above the POC centre
    [102.5, "POCResistance", -1, "Price at POC resistance"],
    [103, "POCResistance", -1, "Price at POC resistance"], // at the POC counts as resistance
    [109, "NearHVN", 0, ""], // row 4: 32 > 1.5 × 20
    [105.5, "NearLVN", 0, "Near LVN - expect fast move"], // row 2: 5 < 0.5 × 20
    [107, "Neutral", 0, ""], // row 3: 21, between the node thresholds
    [100.5, "Neutral", 0, ""], // row 0: 10 = 0.5 × avg is not below it (strict)
  ];
  for (const [close, state, score, reason] of cases) {
    const s = feed(binnedBars(vols, close), p);
    assert.equal(s.poc, 103);
    const sig = volumeProfile.evaluate(s, p);
    assert.equal(sig.state, state, `close ${close}`);
    assert.equal(sig.score, score);
    assert.equal(sig.reason, reason);
    assert.equal(sig, VOLUME_PROFILE_SIGNALS[state as keyof typeof VOLUME_PROFILE_SIGNALS]);
  }
  // "Near" is relative to the row width: 2 rows counts 105.5 as near the POC.
  const wide = rangeParams({ bins: 5, minCandles: 1, nearBins: 2.5 });
  assert.equal(
    volumeProfile.evaluate(feed(binnedBars(vols, 105.5), wide), wide).state,
    "POCSupport",
  );
});

Deno.test("volume_profile: transitions as price moves through a fixed profile", () => {
  const p = rangeParams({ bins: 5, minCandles: 1 });
  const bars = binnedBars([10, 32, 5, 21, 32]);
  const path = [103.5, 105.5, 107, 109, 102.5];
  path.forEach((c, k) => bars.push(point(bars.length + k, c, 0)));
  const states = runSignals(volumeProfile, bars, p).slice(-5).map((x) => x.state);
  assert.deepEqual(states, ["POCSupport", "NearLVN", "Neutral", "NearHVN", "POCResistance"]);
});

Deno.test("volume_profile: warm-up, zero volume and the lookback window", () => {
  const p = rangeParams({ lookback: 4, minCandles: 3, bins: 2 });
  const s = volumeProfile.create(p);
  s.update(range(0, 100, 110, 1));
  s.update(range(1, 100, 110, 1));
  assert.deepEqual(s.values(), { poc: null, vah: null, val: null });
  assert.equal(volumeProfile.evaluate(s, p).state, "Neutral");
  s.update(range(2, 100, 110, 1));
  assert.notEqual(s.values().poc, null);
  // Old bars leave the window: after 4 more bars only those count.
  for (let i = 3; i < 7; i++) s.update(range(i, 200, 210, 2));
  assert.equal(s.totalVolume, 8);
  assert.equal(s.poc, 202.5);
  // A window of zero-volume bars has no profile.
  const z = feed([0, 1, 2, 3].map((i) => range(i, 100, 110, 0)), p);
  assert.deepEqual(z.values(), { poc: null, vah: null, val: null });
  assert.equal(volumeProfile.evaluate(z, p), VOLUME_PROFILE_SIGNALS.Neutral);
});

Deno.test("volume_profile: bad input is a clear error and leaves the state unchanged", () => {
  for (const p of [params({ minCandles: 1 }), rangeParams({ minCandles: 1 })]) {
    const s = feed([range(0, 100, 110, 5), range(1, 101, 109, 5)], p);
    const v = s.values();
    const bad: Candle[] = [
      { ...range(2, 100, 110, NaN) },
      { ...range(2, 100, 110, -1) },
      { ...range(2, 110, 100, 1) }, // high < low
      { ...range(2, 0, 110, 1) },
      { ...range(2, 100, 110, 1), close: 120 },
      { ...range(1, 100, 110, 1) }, // repeated time
    ];
    for (const b of bad) assert.throws(() => s.update(b), CandleError);
    assert.equal(s.count, 2);
    assert.deepEqual(s.values(), v);
  }
});

Deno.test("volume_profile: properties — volume conserved, val ≤ poc ≤ vah, value area ≥ 70 %", () => {
  const barArb = fc.record({
    low: fc.double({ min: 1, max: 1000, noNaN: true }),
    span: fc.double({ min: 0, max: 100, noNaN: true }),
    // Zero or normal volumes: a subnormal volume (5e-324) cannot be split across bins at all.
    v: fc.oneof(fc.constant(0), fc.double({ min: 1e-9, max: 1e6, noNaN: true })),
  });
  fc.assert(
    fc.property(
      fc.array(barArb, { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 2, max: 60 }),
      fc.integer({ min: 0, max: 50 }),
      (raw, bins, tickBps) => {
        const p = params({ lookback: 30, minCandles: 1, bins, tickBps, maxBins: 40 });
        const bars = raw.map((r, i) => range(i, r.low, r.low + r.span, r.v));
        const s = feed(bars, p);
        const win = bars.slice(-30);
        const total = win.reduce((a, c) => a + c.volume, 0);
        if (!(total > 0)) return s.values().poc === null;
        let sum = 0;
        for (let i = 0; i < s.binCount; i++) sum += s.binVolume(i);
        if (!near(sum, total, 1e-9)) return false;
        const { poc, vah, val } = s.values() as Record<string, number>;
        const lo = Math.min(...win.map((c) => c.low));
        const hi = Math.max(...win.map((c) => c.high));
        if (!(val <= poc && poc <= vah)) return false;
        if (tickBps === 0 && !(val >= lo - 1e-9 * lo && vah <= hi + 1e-9 * hi)) return false;
        if (s.binCount > (tickBps > 0 ? 40 : bins)) return false;
        let va = 0;
        for (let i = 0; i < s.binCount; i++) {
          const mid = (s.binEdge(i) + s.binEdge(i + 1)) / 2;
          if (mid >= val && mid <= vah) va += s.binVolume(i);
        }
        return va >= 0.7 * total * (1 - 1e-9);
      },
    ),
    { numRuns: 300 },
  );
});

const REGIMES = [
  "regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv",
  "regimes/crash-2021-05-19-binance-btcusdt-spot-1m.csv",
  "regimes/crash-2021-05-19-binance-ethusdt-spot-1m.csv",
  "regimes/crash-2022-11-08-ftx-binance-ethusdt-spot-5m.csv",
  "regimes/crash-2024-08-05-binance-btcusdt-spot-1m.csv",
  "regimes/crash-2025-10-10-binance-btcusdt-perp-5m.csv",
  "regimes/uptrend-2024-02-27_2024-03-05-binance-btcusdt-perp-5m.csv",
  "regimes/downtrend-2022-05-05_2022-05-12-luna-binance-btcusdt-spot-5m.csv",
  "regimes/downtrend-2026-01-30_2026-02-06-binance-btcusdt-perp-5m.csv",
  "regimes/sideways-2023-07-25_2023-08-01-binance-btcusdt-perp-5m.csv",
];

function compareWithReference(file: string, p: VolumeProfileParams, every: number): number {
  const bars = loadCandles(file);
  const out = runBatch(volumeProfile, bars, p);
  let checked = 0;
  for (let i = p.minCandles - 1; i < bars.length; i += every) {
    const ref = reference(bars.slice(Math.max(0, i + 1 - p.lookback), i + 1), p);
    if (ref === null) {
      assert.equal(out.poc[i], null, `${file}[${i}]`);
      continue;
    }
    for (const k of ["poc", "vah", "val"] as const) {
      assert.ok(near(out[k][i]!, ref[k], 1e-9), `${file}[${i}] ${k}: ${out[k][i]} vs ${ref[k]}`);
    }
    checked++;
  }
  return checked;
}

Deno.test("volume_profile: matches the bin-by-bin reference on every regime slice (range bins)", () => {
  let checked = 0;
  for (const f of REGIMES) checked += compareWithReference(f, rangeParams(), 7);
  assert.ok(checked > 2000, `${checked}`);
});

function compareWithGridReference(file: string, p: VolumeProfileParams, every: number): number {
  const bars = loadCandles(file);
  const out = runBatch(volumeProfile, bars, p);
  const sig = runSignals(volumeProfile, bars, p);
  let checked = 0;
  for (let i = p.minCandles - 1; i < bars.length; i += every) {
    const ref = gridReference(bars.slice(Math.max(0, i + 1 - p.lookback), i + 1), p);
    if (ref === null) {
      assert.equal(out.poc[i], null, `${file}[${i}]`);
      continue;
    }
    for (const k of ["poc", "vah", "val"] as const) {
      assert.ok(near(out[k][i]!, ref[k], 1e-9), `${file}[${i}] ${k}: ${out[k][i]} vs ${ref[k]}`);
    }
    assert.equal(sig[i].state, ref.state, `${file}[${i}] state`);
    checked++;
  }
  return checked;
}

Deno.test("volume_profile: matches the bin-by-bin reference on every regime slice (tick grid)", () => {
  let checked = 0;
  for (const f of REGIMES) checked += compareWithGridReference(f, params(), 7);
  assert.ok(checked > 2000, `${checked}`);
});

Deno.test("volume_profile: tick grid matches the reference with tick grouping and other ticks", () => {
  // The crash days span more than 40 ticks of 10 bps, so grouping (and regrouping) is exercised.
  const p = params({ tickBps: 10, maxBins: 40 });
  let checked = 0;
  for (const f of REGIMES.slice(0, 4)) checked += compareWithGridReference(f, p, 11);
  checked += compareWithGridReference(REGIMES[9], params({ tickBps: 2, lookback: 60 }), 11);
  checked += compareWithGridReference(REGIMES[5], params({ tickBps: 1, maxBins: 64 }), 11);
  assert.ok(checked > 800, `${checked}`);
});

Deno.test("volume_profile: tick rows are fixed in price — a new high does not move them", () => {
  const p = params({ tickBps: 100, minCandles: 1 }); // rows of ln(1.01)
  const w = Math.log1p(0.01);
  const at = (k: number) => Math.exp((k + 0.5) * w); // centre of row k
  const s = feed([point(0, at(500), 4), point(1, at(501), 1)], p);
  assert.ok(near(s.poc, at(500)));
  assert.equal(s.binCount, 2);
  s.update(point(2, at(520), 2)); // a new high 20 rows up: the old rows keep their volumes
  assert.equal(s.binCount, 21);
  assert.deepEqual([0, 1, 20].map((i) => s.binVolume(i)), [4, 1, 2]);
  assert.ok(near(s.binEdge(0), Math.exp(500 * w)));
  assert.ok(near(s.poc, at(500)));
  // Mean row volume is over the whole span: 7 / 21; the close's row (2) is a high-volume node.
  assert.equal(volumeProfile.evaluate(s, p).state, "NearHVN");
  // Equal rows: the lower price is the POC; a higher row only takes over when strictly larger.
  s.update(point(3, at(520), 2));
  assert.ok(near(s.poc, at(500)), "4 vs 4: the lower row");
  s.update(point(4, at(520), 1));
  assert.ok(near(s.poc, at(520)));
});

Deno.test("volume_profile: regime behaviour — ranges sit at the POC, trends leave the value area", () => {
  const p = params();
  const share = (file: string) => {
    const bars = loadCandles(file);
    const sig = runSignals(volumeProfile, bars, p);
    const out = runBatch(volumeProfile, bars, p);
    let atPoc = 0;
    let outside = 0;
    let n = 0;
    const seen = new Set<string>();
    for (let i = p.lookback; i < bars.length; i++) {
      n++;
      seen.add(sig[i].state);
      if (sig[i].state === "POCSupport" || sig[i].state === "POCResistance") atPoc++;
      if (bars[i].close > out.vah[i]! || bars[i].close < out.val[i]!) outside++;
    }
    return { atPoc: atPoc / n, outside: outside / n, seen };
  };
  const sideways = share(REGIMES[9]);
  const up = share(REGIMES[6]);
  const down = share(REGIMES[8]);
  assert.ok(
    sideways.atPoc > up.atPoc && sideways.atPoc > down.atPoc,
    JSON.stringify([sideways, up, down]),
  );
  assert.ok(up.outside > sideways.outside && down.outside > sideways.outside);
  // By definition 30 % of the volume is outside the value area; a strong trend spends more than
  // that share of its bars there.
  assert.ok(up.outside > 0.3 && down.outside > 0.3, `${up.outside} ${down.outside}`);
  const all = new Set([...sideways.seen, ...up.seen, ...down.seen]);
  for (const s of VOLUME_PROFILE_STATES) assert.ok(all.has(s), `${s} occurs on real data`);
});

Deno.test("volume_profile: tick grid stays exact over a long run (no drift from add/subtract)", () => {
  // 90 days of 1m candles: every row is added to and subtracted from many thousands of times.
  const bars = loadCandles(BTC_1M);
  const p = params();
  const s = volumeProfile.create(p);
  let checked = 0;
  for (let i = 0; i < bars.length; i++) {
    s.update(bars[i]);
    if (i % 4999 !== 4998) continue;
    const ref = gridReference(bars.slice(i + 1 - p.lookback, i + 1), p)!;
    const got = s.values() as Record<string, number>;
    for (const k of ["poc", "vah", "val"] as const) {
      assert.ok(near(got[k], ref[k], 1e-9), `[${i}] ${k}: ${got[k]} vs ${ref[k]}`);
    }
    assert.equal(volumeProfile.evaluate(s, p).state, ref.state, `[${i}] state`);
    for (let b = 0; b < s.binCount; b++) {
      assert.ok(Math.abs(s.binVolume(b) - ref.vols[b]) <= 1e-9 * s.totalVolume, `[${i}] row ${b}`);
    }
    checked++;
  }
  assert.ok(checked > 20, `${checked}`);
});

Deno.test("volume_profile: closes on row and POC-band edges get the state of Math.log(close)", () => {
  // The tick grid decides the close's row and its distance to the POC from an estimate of its
  // log-price, taking Math.log(close) only when the estimate is too close to call. Closes at
  // (and a few ulps off) row edges and half-row points (the band edges for whole nearBins),
  // bars whose low is a hair below the close (the estimate's smallest error) and bars too tall
  // for the estimate: the state must be the reference's, computed from Math.log(close).
  const w = Math.log1p(5 / 10_000);
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const nearBins of [1, 2, 0.5]) {
    const p = params({ lookback: 30, minCandles: 5, nearBins });
    const bars: Candle[] = [];
    let j = Math.round(Math.log(60_000) / w) * 2;
    for (let i = 0; i < 1500; i++) {
      j += Math.round((rand() - 0.5) * 8);
      let close = Math.exp((j / 2) * w);
      const nudge = Math.floor(rand() * 7) - 3;
      for (let u = 0; u < Math.abs(nudge); u++) close *= nudge > 0 ? 1 + 2 ** -52 : 1 - 2 ** -53;
      const lr = rand();
      const low = close * (1 - (lr < 0.2 ? 0 : lr < 0.6 ? rand() * 1e-9 : rand() * 0.003));
      const high = close * (1 + (rand() < 0.1 ? 0.03 : rand() * 0.003));
      bars.push({ time: T0 + i * M5, open: close, high, low, close, volume: 1 + (i % 5) });
    }
    const sig = runSignals(volumeProfile, bars, p);
    for (let i = p.minCandles - 1; i < bars.length; i++) {
      const ref = gridReference(bars.slice(Math.max(0, i + 1 - p.lookback), i + 1), p)!;
      assert.equal(sig[i].state, ref.state, `nearBins ${nearBins} [${i}] close ${bars[i].close}`);
    }
  }
});
