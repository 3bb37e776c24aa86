/**
 * Funding rate: the real time-weighted mean of the funding rate over a time window (24 h by
 * default), judged against per-hour thresholds, or against the asset's own recent distribution
 * of that mean.
 *
 * Rates arrive on candles as a fraction **per hour** (`Candle.fundingRate`; providers divide 8-hourly
 * venues by 8), so one set of thresholds fits Hyperliquid (hourly settlement, baseline 0.0000125/h =
 * 0.01 %/8 h) and 8-hourly venues alike. A rate observed at time t is taken to have been in force
 * since the previous observation (a settlement at t pays for the period ending at t), so the mean is
 * an integral over candle times and is the same for 1m, 5m or 1h candles carrying the same rates.
 *
 * State: a ring of (end time, rate) segments with running Σ rate·duration and Σ duration; the
 * oldest segment is clipped exactly at the window edge when read. Segments shorter than
 * `windowMs / (maxSegments − 2)` are merged into their successor (duration-weighted), which bounds
 * memory at `maxSegments` segments whatever the candle interval: with the defaults (24 h, 2048) the
 * mean is exact for any candle interval of 43 s or more.
 *
 * Scores follow the original system (perptrix-behaviour.md §2.10, §3.1, §3.4) with its defects
 * fixed: a real time-weighted mean instead of the last 24 samples, per-hour thresholds instead of
 * raw per-settlement ones, and the `ExtremeShortBias` spelling.
 *
 * Default thresholds (per hour): high 0.0000625 (5× the Hyperliquid baseline, ≈ 0.05 %/8 h) and
 * extreme 0.000125 (10×, ≈ 0.1 %/8 h, the original's per-settlement threshold restated for 8 h
 * venues). On the recorded Hyperliquid BTC/ETH funding 2023-06..2025-07 the 24 h mean is beyond the
 * extreme threshold in well under 1 % of hours and beyond the high one in under 10 % (checked by
 * funding_test.ts). Assets whose funding runs hot for weeks (HYPE after its listing: beyond the
 * extreme threshold in ~9 % of hours Dec 2024–Jul 2025) are what `extremes: "relative"` is for.
 * @module
 */
import {
  type Candle,
  CandleError,
  defineIndicator,
  type IndicatorSignal,
  type IndicatorState,
  type IndicatorValues,
  Ring,
  z,
} from "perptrix";
import { frozenSignal } from "./_frozen_signal.ts";

const HOUR = 3_600_000;

/** Parameters; every threshold is a fraction per hour. */
export const fundingParams = z.strictObject({
  /** Length of the averaging window in ms (24 h by default, whatever the candle interval). */
  windowMs: z.number().int().min(60_000).max(30 * 24 * HOUR).default(24 * HOUR),
  /** |mean| above this is High{Long,Short}Bias (absolute mode). */
  highPerHour: z.number().min(0).max(0.04).default(0.0000625),
  /** |mean| above this is Extreme{Long,Short}Bias (absolute mode). */
  extremePerHour: z.number().min(0).max(0.04).default(0.000125),
  /**
   * Centre of the neutral dead-band. 0 keeps the original rule (any positive funding tilts
   * bearish); set it to the venue baseline (0.0000125 on Hyperliquid) to score only deviations.
   */
  neutralCenter: z.number().min(-0.01).max(0.01).default(0),
  /** Half-width of the dead-band around `neutralCenter` that reads as Neutral; 0 = original. */
  neutralBand: z.number().min(0).max(0.01).default(0),
  /**
   * `absolute`: fixed per-hour thresholds. `relative`: High/Extreme when the mean is more than
   * `highSigma`/`extremeSigma` standard deviations from the asset's own recent mean (of the
   * window mean, sampled once per clock hour over `relativeHours`), and on the crowded side of the
   * dead-band. Falls back to the absolute thresholds until `relativeMinHours` samples exist.
   */
  extremes: z.enum(["absolute", "relative"]).default("absolute"),
  relativeHours: z.number().int().min(24).max(24 * 365).default(720),
  relativeMinHours: z.number().int().min(2).max(24 * 365).default(72),
  highSigma: z.number().positive().max(20).default(2),
  extremeSigma: z.number().positive().max(20).default(3),
  /**
   * Floor for σ in relative mode, so that a rate pinned at the baseline for weeks (σ ≈ 0) does
   * not make the next tiny move "extreme". Default 0.0000025/h = 0.2× the Hyperliquid baseline.
   */
  minSigmaPerHour: z.number().min(0).max(0.01).default(0.0000025),
  /** Memory bound of the segment ring (16 bytes each). */
  maxSegments: z.number().int().min(16).max(65_536).default(2048),
}).refine((p) => p.extremePerHour > p.highPerHour, {
  message: "extremePerHour must be greater than highPerHour",
  path: ["extremePerHour"],
}).refine((p) => p.extremeSigma > p.highSigma, {
  message: "extremeSigma must be greater than highSigma",
  path: ["extremeSigma"],
}).refine((p) => p.relativeMinHours <= p.relativeHours, {
  message: "relativeMinHours must not exceed relativeHours",
  path: ["relativeMinHours"],
});

/** Validated funding parameters. */
export type FundingParams = z.infer<typeof fundingParams>;

/** Every state the funding indicator reports. */
export const FUNDING_STATES = [
  "ExtremeLongBias",
  "ExtremeShortBias",
  "HighLongBias",
  "HighShortBias",
  "NeutralPositive",
  "NeutralNegative",
  "Neutral",
] as const;

/** Funding state name. */
export type FundingStateName = typeof FUNDING_STATES[number];

/** The signals, shared and frozen: scores, reasons and risk rules of the original §3.1/§3.4. */
export const FUNDING_SIGNALS: Readonly<Record<FundingStateName, Readonly<IndicatorSignal>>> = Object
  .freeze({
    ExtremeLongBias: frozenSignal(
      "ExtremeLongBias",
      -2,
      "Funding extremes favor longs (crowded)",
      { risk: (total: number) => (total >= 0 ? 2 : -1), widenStops: true },
    ),
    ExtremeShortBias: frozenSignal(
      "ExtremeShortBias",
      2,
      "Funding extremes favor shorts (squeeze fuel)",
      { risk: (total: number) => (total <= 0 ? 2 : -1), widenStops: true },
    ),
    HighLongBias: frozenSignal("HighLongBias", -1, "Elevated long funding - fade rallies", {
      risk: () => 1,
    }),
    HighShortBias: frozenSignal("HighShortBias", 1, "Elevated short funding - fade selloffs", {
      risk: () => 1,
    }),
    NeutralPositive: frozenSignal(
      "NeutralPositive",
      -1,
      "Funding leaning long - tactical bearish tilt",
    ),
    NeutralNegative: frozenSignal(
      "NeutralNegative",
      1,
      "Funding leaning short - tactical bullish tilt",
    ),
    Neutral: frozenSignal("Neutral", 0),
  });

/** Streaming funding state for one (symbol, interval). */
export class FundingState implements IndicatorState {
  /** Candles fed, with or without a funding rate. */
  count = 0;
  readonly #windowMs: number;
  readonly #resolution: number;
  readonly #maxSegments: number;
  // Segment ring: segment k covers [end(k-1), end(k)); the oldest starts at #oldestStart.
  #ends: Float64Array;
  #rates: Float64Array;
  #head = 0;
  #size = 0;
  #oldestStart = 0;
  #sum = 0;
  #dur = 0;
  #evictions = 0;
  #lastCandleTime = -Infinity;
  #lastTime = -Infinity;
  #rate = NaN;
  #mean = NaN;
  #seen = false;
  // Relative mode: hourly samples of the window mean, with shifted running sums.
  readonly #dist: Ring | null;
  #distRef = 0;
  #distSum = 0;
  #distSq = 0;
  #distPushes = 0;
  #lastHour = -Infinity;

  constructor(p: FundingParams) {
    this.#windowMs = p.windowMs;
    this.#maxSegments = p.maxSegments;
    this.#resolution = p.windowMs / (p.maxSegments - 2);
    const initial = Math.min(64, p.maxSegments);
    this.#ends = new Float64Array(initial);
    this.#rates = new Float64Array(initial);
    this.#dist = p.extremes === "relative" ? new Ring(p.relativeHours) : null;
  }

  /** Feeds one closed candle; candles without `fundingRate` leave the state unchanged. */
  update(c: Candle): void {
    const t = c.time;
    const r = c.fundingRate;
    if (!(t > this.#lastCandleTime)) {
      throw new CandleError(
        `funding: candle time ${t} is not after ${this.#lastCandleTime}; state left unchanged`,
      );
    }
    if (r !== undefined && (typeof r !== "number" || !Number.isFinite(r))) {
      throw new CandleError(
        `funding: fundingRate ${r} at ${t} is not finite; state left unchanged`,
      );
    }
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    const t = c.time;
    const r = c.fundingRate;
    this.#lastCandleTime = t;
    this.count++;
    if (r === undefined) return;
    if (!this.#seen) {
      this.#seen = true;
      this.#oldestStart = t;
    } else {
      this.#addSegment(t - this.#lastTime, t, r);
    }
    this.#lastTime = t;
    this.#rate = r;
    this.#evict(t - this.#windowMs);
    this.#mean = this.#windowMean();
    if (this.#dist !== null) {
      const hour = Math.floor(t / HOUR);
      if (hour !== this.#lastHour) {
        this.#lastHour = hour;
        this.#pushSample(this.#mean);
      }
    }
  }

  #addSegment(d: number, t: number, r: number): void {
    this.#sum += r * d;
    this.#dur += d;
    if (this.#size > 0) {
      const cap = this.#ends.length;
      let last = this.#head + this.#size - 1;
      if (last >= cap) last -= cap;
      const start = this.#size > 1
        ? this.#ends[last === 0 ? cap - 1 : last - 1]
        : this.#oldestStart;
      const lastDur = this.#ends[last] - start;
      const lastRate = this.#rates[last];
      if (lastRate === r || lastDur < this.#resolution) {
        if (lastRate !== r) this.#rates[last] = (lastRate * lastDur + r * d) / (lastDur + d);
        this.#ends[last] = t;
        return;
      }
    }
    if (this.#size === this.#ends.length) {
      if (this.#ends.length < this.#maxSegments) this.#grow();
      else this.#mergeOldestTwo();
    }
    const cap = this.#ends.length;
    let i = this.#head + this.#size;
    if (i >= cap) i -= cap;
    this.#ends[i] = t;
    this.#rates[i] = r;
    this.#size++;
  }

  #grow(): void {
    const cap = this.#ends.length;
    const next = Math.min(cap * 2, this.#maxSegments);
    const ends = new Float64Array(next);
    const rates = new Float64Array(next);
    for (let k = 0; k < this.#size; k++) {
      let j = this.#head + k;
      if (j >= cap) j -= cap;
      ends[k] = this.#ends[j];
      rates[k] = this.#rates[j];
    }
    this.#ends = ends;
    this.#rates = rates;
    this.#head = 0;
  }

  // Only reachable if the resolution invariant is broken by floating rounding; keeps sums exact.
  #mergeOldestTwo(): void {
    const cap = this.#ends.length;
    const a = this.#head;
    const b = a + 1 === cap ? 0 : a + 1;
    const s = this.#oldestStart;
    const ea = this.#ends[a];
    const eb = this.#ends[b];
    this.#rates[b] = (this.#rates[a] * (ea - s) + this.#rates[b] * (eb - ea)) / (eb - s);
    this.#head = b;
    this.#size--;
  }

  #evict(cut: number): void {
    const cap = this.#ends.length;
    while (this.#size > 1 && this.#ends[this.#head] <= cut) {
      const e = this.#ends[this.#head];
      const d = e - this.#oldestStart;
      this.#sum -= this.#rates[this.#head] * d;
      this.#dur -= d;
      this.#oldestStart = e;
      this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
      this.#size--;
      if (++this.#evictions >= cap) this.#resync();
    }
  }

  // Recomputes the running sums from the ring (O(size) every `capacity` evictions: O(1) amortised)
  // so that add/subtract rounding never accumulates.
  #resync(): void {
    this.#evictions = 0;
    const cap = this.#ends.length;
    let s = 0;
    let start = this.#oldestStart;
    for (let k = 0; k < this.#size; k++) {
      let j = this.#head + k;
      if (j >= cap) j -= cap;
      s += this.#rates[j] * (this.#ends[j] - start);
      start = this.#ends[j];
    }
    this.#sum = s;
    this.#dur = start - this.#oldestStart;
  }

  #windowMean(): number {
    if (this.#size === 0) return this.#rate;
    let s = this.#sum;
    let d = this.#dur;
    const excess = this.#lastTime - this.#windowMs - this.#oldestStart;
    if (excess > 0) {
      s -= this.#rates[this.#head] * excess;
      d -= excess;
    }
    return d > 0 ? s / d : this.#rate;
  }

  #pushSample(x: number): void {
    const dist = this.#dist!;
    if (dist.size === 0) this.#distRef = x;
    const y = x - this.#distRef;
    const old = dist.push(x);
    this.#distSum += y;
    this.#distSq += y * y;
    if (!Number.isNaN(old)) {
      const o = old - this.#distRef;
      this.#distSum -= o;
      this.#distSq -= o * o;
    }
    if (++this.#distPushes >= dist.capacity) {
      this.#distPushes = 0;
      let s = 0;
      let q = 0;
      for (let k = 0; k < dist.size; k++) {
        const v = dist.at(k) - this.#distRef;
        s += v;
        q += v * v;
      }
      this.#distSum = s;
      this.#distSq = q;
    }
  }

  /** True once a candle carried a funding rate. */
  get hasData(): boolean {
    return this.#seen;
  }

  /** Latest observed rate, per hour (NaN before any). */
  get rate(): number {
    return this.#rate;
  }

  /** Time-weighted mean over the window, per hour (NaN before any rate). */
  get mean(): number {
    return this.#mean;
  }

  /** Hours of funding history the mean covers (at most the window). */
  get coveredHours(): number {
    if (this.#size === 0) return 0;
    return Math.min(this.#dur, this.#windowMs) / HOUR;
  }

  /** Number of hourly samples in the relative distribution (0 in absolute mode). */
  get samples(): number {
    return this.#dist?.size ?? 0;
  }

  /** Mean of the relative distribution (NaN when empty or in absolute mode). */
  get distMean(): number {
    const n = this.samples;
    return n === 0 ? NaN : this.#distRef + this.#distSum / n;
  }

  /** Population σ of the relative distribution (NaN when empty or in absolute mode). */
  get distSigma(): number {
    const n = this.samples;
    if (n === 0) return NaN;
    const m = this.#distSum / n;
    const v = this.#distSq / n - m * m;
    return v > 0 ? Math.sqrt(v) : 0;
  }

  /** `rate`, `mean`, `hours` covered, and `zscore` of the mean (relative mode only). */
  values(): IndicatorValues {
    if (!this.#seen) return { rate: null, mean: null, hours: null, zscore: null };
    let zscore: number | null = null;
    if (this.#dist !== null && this.samples >= 2) {
      const sd = this.distSigma;
      zscore = sd > 0 ? (this.#mean - this.distMean) / sd : null;
    }
    return { rate: this.#rate, mean: this.#mean, hours: this.coveredHours, zscore };
  }
}

/**
 * The shared signal of a state's class, each rule returning its constant (a look-up by state name
 * would be a keyed load over seven names on every candle).
 */
function fundingSignal(s: FundingState, p: FundingParams): Readonly<IndicatorSignal> {
  if (!s.hasData) return FUNDING_SIGNALS.Neutral;
  const m = s.mean;
  const upper = p.neutralCenter + p.neutralBand;
  const lower = p.neutralCenter - p.neutralBand;
  let hiUp = p.highPerHour;
  let exUp = p.extremePerHour;
  let hiDn = -p.highPerHour;
  let exDn = -p.extremePerHour;
  if (p.extremes === "relative" && s.samples >= p.relativeMinHours) {
    const mu = s.distMean;
    const sd = Math.max(s.distSigma, p.minSigmaPerHour);
    // Relative extremes still need the crowded side of the dead-band.
    hiUp = Math.max(mu + p.highSigma * sd, upper);
    exUp = Math.max(mu + p.extremeSigma * sd, upper);
    hiDn = Math.min(mu - p.highSigma * sd, lower);
    exDn = Math.min(mu - p.extremeSigma * sd, lower);
  }
  if (m > exUp) return FUNDING_SIGNALS.ExtremeLongBias;
  if (m < exDn) return FUNDING_SIGNALS.ExtremeShortBias;
  if (m > hiUp) return FUNDING_SIGNALS.HighLongBias;
  if (m < hiDn) return FUNDING_SIGNALS.HighShortBias;
  if (m > upper) return FUNDING_SIGNALS.NeutralPositive;
  if (m < lower) return FUNDING_SIGNALS.NeutralNegative;
  return FUNDING_SIGNALS.Neutral;
}

/** Classifies a state; exported for tests and for the CLI. */
export function classifyFunding(s: FundingState, p: FundingParams): FundingStateName {
  return fundingSignal(s, p).state as FundingStateName;
}

/** The funding indicator plugin (perp category). */
export default defineIndicator<FundingParams, FundingState>({
  id: "funding",
  category: "perp",
  description:
    "Time-weighted mean funding rate over a time window (24 h), per-hour or relative thresholds",
  params: fundingParams,
  outputs: ["rate", "mean", "hours", "zscore"],
  states: FUNDING_STATES,
  warmup: () => 1,
  create: (p) => new FundingState(p),
  evaluate: (s, p) => fundingSignal(s, p),
});
