/**
 * Volume profile over the last `lookback` candles: point of control (POC) and the value area
 * (default 70 %), with support/resistance and high/low-volume-node states.
 *
 * Fixes the original's defects (perptrix-behaviour.md §2.9, §9.1.8):
 * - bins are relative to price: `bins` rows over the lookback's low–high range (default), or, with
 *   `tickBps > 0`, a fixed grid in log-price with that bin width in basis points (ticks are
 *   grouped when the range would need more than `maxBins` of them);
 * - each candle's volume is spread uniformly over its [low, high] range (in log-price on the tick
 *   grid); a zero-range candle puts all of it in one bin;
 * - the POC tie-break is deterministic: among bins with equal volume (within 1e-9 relative) the
 *   **lowest price** wins;
 * - the value area grows from the POC by adding the larger neighbouring bin each step (the lower
 *   one on a tie) until it holds `valueArea` of the volume; VAH/VAL are its outer bin edges;
 * - "near the POC" is relative: within `nearBins` bin widths of the POC bin's centre;
 * - NaN or negative input is rejected with a clear error instead of poisoning the histogram.
 *
 * Cost: `update` is O(1) (a ring push). The profile is rebuilt lazily, at most once per candle,
 * when `values()` or `evaluate` asks for it, in O(lookback + bins) using a difference array for
 * the bins a candle covers fully. Memory: 24 bytes per lookback candle plus 16 per bin.
 * @module
 */
import {
  type Candle,
  CandleError,
  defineIndicator,
  type IndicatorSignal,
  type IndicatorState,
  type IndicatorValues,
  z,
} from "perptrix";
import { frozenSignal } from "./_frozen_signal.ts";

/**
 * Volumes within this relative distance are a tie (POC: lowest price wins; value area: the lower
 * neighbour is added), so summation-order rounding never decides between equal bins.
 */
const TIE = 1e-9;

/** Parameters. */
export const volumeProfileParams = z.strictObject({
  /** Candles in the profile. */
  lookback: z.number().int().min(2).max(10_000).default(240),
  /** Rows over the lookback's low–high range (used when `tickBps` is 0). */
  bins: z.number().int().min(2).max(2_000).default(50),
  /** Bin width in basis points of price (log-price grid); 0 = use `bins` over the range. */
  tickBps: z.number().min(0).max(1_000).default(0),
  /** Upper bound on rows in tick mode; adjacent ticks are grouped beyond it. */
  maxBins: z.number().int().min(2).max(2_000).default(1_000),
  /** Share of the volume inside the value area. */
  valueArea: z.number().gt(0).lt(1).default(0.7),
  /** Candles needed before the profile is reported (the original required 50). */
  minCandles: z.number().int().min(1).max(10_000).default(50),
  /** "Near the POC" = within this many bin widths of the POC bin's centre (strict). */
  nearBins: z.number().min(0).max(100).default(1),
  /** The price's bin is a high-volume node above `hvnFactor` × the mean bin volume. */
  hvnFactor: z.number().positive().default(1.5),
  /** …and a low-volume node below `lvnFactor` × the mean bin volume. */
  lvnFactor: z.number().min(0).default(0.5),
}).refine((p) => p.minCandles <= p.lookback, {
  message: "minCandles must not exceed lookback",
  path: ["minCandles"],
}).refine((p) => p.lvnFactor < p.hvnFactor, {
  message: "lvnFactor must be below hvnFactor",
  path: ["lvnFactor"],
});

/** Validated volume-profile parameters. */
export type VolumeProfileParams = z.infer<typeof volumeProfileParams>;

/** Every state the volume profile reports. */
export const VOLUME_PROFILE_STATES = [
  "POCSupport",
  "POCResistance",
  "NearHVN",
  "NearLVN",
  "Neutral",
] as const;

/** Volume-profile state name. */
export type VolumeProfileStateName = typeof VOLUME_PROFILE_STATES[number];

/** Shared frozen signals with the original scores and reasons (§3.1, volume). */
export const VOLUME_PROFILE_SIGNALS: Readonly<
  Record<VolumeProfileStateName, Readonly<IndicatorSignal>>
> = Object.freeze({
  POCSupport: frozenSignal("POCSupport", 1, "Price at POC support"),
  POCResistance: frozenSignal("POCResistance", -1, "Price at POC resistance"),
  NearHVN: frozenSignal("NearHVN", 0),
  NearLVN: frozenSignal("NearLVN", 0, "Near LVN - expect fast move"),
  Neutral: frozenSignal("Neutral", 0),
});

/** Streaming volume-profile state for one (symbol, interval). */
export class VolumeProfileState implements IndicatorState {
  /** Candles fed. */
  count = 0;
  readonly #lookback: number;
  readonly #bins: number;
  readonly #logStep: number; // 0 in range mode
  readonly #maxBins: number;
  readonly #valueArea: number;
  readonly #minCandles: number;
  readonly #highs: Float64Array;
  readonly #lows: Float64Array;
  readonly #vols: Float64Array;
  #head = 0;
  #size = 0;
  #close = NaN;
  #lastTime = -Infinity;
  // Lazily rebuilt profile, in x-space (price, or log-price on the tick grid).
  #dirty = false;
  readonly #binVol: Float64Array;
  readonly #diff: Float64Array;
  #nb = 0;
  #x0 = 0;
  #w = 0;
  #total = 0;
  #pocBin = -1;
  #vaLo = -1;
  #vaHi = -1;

  constructor(p: VolumeProfileParams) {
    this.#lookback = p.lookback;
    this.#bins = p.bins;
    this.#logStep = p.tickBps > 0 ? Math.log1p(p.tickBps / 10_000) : 0;
    this.#maxBins = p.maxBins;
    this.#valueArea = p.valueArea;
    this.#minCandles = p.minCandles;
    this.#highs = new Float64Array(p.lookback);
    this.#lows = new Float64Array(p.lookback);
    this.#vols = new Float64Array(p.lookback);
    const rows = p.tickBps > 0 ? p.maxBins : p.bins;
    this.#binVol = new Float64Array(rows);
    this.#diff = new Float64Array(rows + 1);
  }

  /** Feeds one closed candle (O(1): the profile is rebuilt on demand). */
  update(c: Candle): void {
    const { time, high, low, close, volume } = c;
    if (!(time > this.#lastTime)) {
      throw new CandleError(
        `volume_profile: candle time ${time} is not after ${this.#lastTime}; state left unchanged`,
      );
    }
    if (!(low > 0) || !(high >= low) || !Number.isFinite(high)) {
      throw new CandleError(
        `volume_profile: bad range low ${low} high ${high} at ${time}; state left unchanged`,
      );
    }
    if (!(close >= low && close <= high)) {
      throw new CandleError(
        `volume_profile: close ${close} outside [${low}, ${high}] at ${time}; state left unchanged`,
      );
    }
    if (!(volume >= 0) || !Number.isFinite(volume)) {
      throw new CandleError(
        `volume_profile: volume ${volume} at ${time} is not a number >= 0; state left unchanged`,
      );
    }
    this.#lastTime = time;
    const cap = this.#lookback;
    let i = this.#head + this.#size;
    if (this.#size < cap) {
      if (i >= cap) i -= cap;
      this.#size++;
    } else {
      i = this.#head;
      this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
    }
    this.#highs[i] = high;
    this.#lows[i] = low;
    this.#vols[i] = volume;
    this.#close = close;
    this.count++;
    this.#dirty = true;
  }

  #x(price: number): number {
    return this.#logStep > 0 ? Math.log(price) : price;
  }

  #price(x: number): number {
    return this.#logStep > 0 ? Math.exp(x) : x;
  }

  #bin(x: number): number {
    if (this.#w <= 0) return 0;
    const b = Math.floor((x - this.#x0) / this.#w);
    return b < 0 ? 0 : b >= this.#nb ? this.#nb - 1 : b;
  }

  #rebuild(): void {
    this.#dirty = false;
    this.#pocBin = -1;
    const n = this.#size;
    const cap = this.#lookback;
    let lo = Infinity;
    let hi = -Infinity;
    let total = 0;
    for (let k = 0; k < n; k++) {
      let j = this.#head + k;
      if (j >= cap) j -= cap;
      if (this.#lows[j] < lo) lo = this.#lows[j];
      if (this.#highs[j] > hi) hi = this.#highs[j];
      total += this.#vols[j];
    }
    this.#total = total;
    if (!(total > 0)) return;
    const xlo = this.#x(lo);
    const xhi = this.#x(hi);
    if (this.#logStep > 0) {
      const s = this.#logStep;
      const first = Math.floor(xlo / s);
      const span = Math.floor(xhi / s) - first + 1;
      const group = Math.ceil(span / this.#maxBins);
      this.#w = s * group;
      this.#x0 = first * s;
      this.#nb = Math.ceil(span / group);
    } else {
      this.#nb = this.#bins;
      this.#x0 = xlo;
      this.#w = (xhi - xlo) / this.#bins;
      if (!(this.#w > 0)) this.#nb = 1; // flat window: one bin at that price
    }
    const nb = this.#nb;
    const bv = this.#binVol;
    const diff = this.#diff;
    bv.fill(0, 0, nb);
    diff.fill(0, 0, nb + 1);
    const w = this.#w;
    const x0 = this.#x0;
    for (let k = 0; k < n; k++) {
      let j = this.#head + k;
      if (j >= cap) j -= cap;
      const v = this.#vols[j];
      if (v === 0) continue;
      const xl = this.#x(this.#lows[j]);
      const xh = this.#x(this.#highs[j]);
      const i0 = this.#bin(xl);
      const i1 = this.#bin(xh);
      if (i0 === i1 || !(xh > xl)) {
        bv[i0] += v;
        continue;
      }
      const d = v / (xh - xl);
      bv[i0] += d * (x0 + (i0 + 1) * w - xl);
      bv[i1] += d * (xh - (x0 + i1 * w));
      if (i1 > i0 + 1) {
        const full = d * w;
        diff[i0 + 1] += full;
        diff[i1] -= full;
      }
    }
    let run = 0;
    let poc = 0;
    let best = -Infinity;
    for (let b = 0; b < nb; b++) {
      run += diff[b];
      let vol = bv[b] + run;
      if (vol < 0) vol = 0; // rounding residue of the difference array
      bv[b] = vol;
      if (vol > best + TIE * best) { // the lowest price wins a tie
        best = vol;
        poc = b;
      }
    }
    this.#pocBin = poc;
    const target = this.#valueArea * total;
    let acc = bv[poc];
    let a = poc;
    let z = poc;
    while (acc < target) {
      const up = z + 1 < nb ? bv[z + 1] : -1;
      const dn = a > 0 ? bv[a - 1] : -1;
      if (up < 0 && dn < 0) break;
      if (up > dn + TIE * dn) acc += bv[++z];
      else acc += bv[--a];
    }
    this.#vaLo = a;
    this.#vaHi = z;
  }

  #ready(): boolean {
    if (this.#size < this.#minCandles) return false;
    if (this.#dirty) this.#rebuild();
    return this.#pocBin >= 0;
  }

  /** Point of control: centre of the highest-volume bin (NaN until ready). */
  get poc(): number {
    return this.#ready() ? this.#price(this.#x0 + (this.#pocBin + 0.5) * this.#w) : NaN;
  }

  /** Value-area high: upper edge of the value area's top bin (NaN until ready). */
  get vah(): number {
    return this.#ready() ? this.#price(this.#x0 + (this.#vaHi + 1) * this.#w) : NaN;
  }

  /** Value-area low: lower edge of the value area's bottom bin (NaN until ready). */
  get val(): number {
    return this.#ready() ? this.#price(this.#x0 + this.#vaLo * this.#w) : NaN;
  }

  /** Number of rows of the current profile (0 until ready). */
  get binCount(): number {
    return this.#ready() ? this.#nb : 0;
  }

  /** Volume of row `i`, 0 = lowest price (for inspection and tests). */
  binVolume(i: number): number {
    return this.#ready() && i >= 0 && i < this.#nb ? this.#binVol[i] : NaN;
  }

  /** Lower edge price of row `i` (row `binCount` gives the top edge). */
  binEdge(i: number): number {
    return this.#ready() ? this.#price(this.#x0 + i * this.#w) : NaN;
  }

  /** Total volume in the profile window. */
  get totalVolume(): number {
    if (this.#dirty) this.#rebuild();
    return this.#total;
  }

  /** Last close. */
  get close(): number {
    return this.#close;
  }

  /** Classifies the last close against the profile (see the module doc). */
  classify(p: VolumeProfileParams): VolumeProfileStateName {
    if (!this.#ready()) return "Neutral";
    const xc = this.#x(this.#close);
    const xp = this.#x0 + (this.#pocBin + 0.5) * this.#w;
    if (Math.abs(xc - xp) < p.nearBins * this.#w) {
      return xc > xp ? "POCSupport" : "POCResistance";
    }
    const avg = this.#total / this.#nb;
    const vb = this.#binVol[this.#bin(xc)];
    if (vb > p.hvnFactor * avg) return "NearHVN";
    if (vb < p.lvnFactor * avg) return "NearLVN";
    return "Neutral";
  }

  /** `poc`, `vah`, `val`; null until `minCandles` candles with some volume were fed. */
  values(): IndicatorValues {
    if (!this.#ready()) return { poc: null, vah: null, val: null };
    return { poc: this.poc, vah: this.vah, val: this.val };
  }
}

/** The volume-profile indicator plugin (volume category). */
export default defineIndicator<VolumeProfileParams, VolumeProfileState>({
  id: "volume_profile",
  category: "volume",
  description: "Volume profile (range spread, relative bins): POC, value area, HVN/LVN",
  params: volumeProfileParams,
  outputs: ["poc", "vah", "val"],
  states: VOLUME_PROFILE_STATES,
  warmup: (p) => p.minCandles,
  create: (p) => new VolumeProfileState(p),
  evaluate: (s, p) => VOLUME_PROFILE_SIGNALS[s.classify(p)],
});
