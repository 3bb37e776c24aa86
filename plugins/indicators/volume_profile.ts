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
 * Cost: while the window's low–high range is unchanged (no new extreme enters, no extreme leaves)
 * `update` adds the new bar and subtracts the leaving one in O(bins they cover). When the range
 * changes the histogram is rebuilt lazily, once, when `values()` or `evaluate` next asks, in
 * O(lookback + bins) with a difference array for fully covered bins (so an update-only caller
 * pays O(1)). Judging needs only the POC, the mean bin volume and the close's bin, so `evaluate`
 * costs one O(bins) POC scan after a change; the value area (VAH/VAL) is grown only when
 * `values()` or its getters ask. Memory: 32 bytes per lookback candle plus 16 per bin.
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
  // Ring of bars in x-space (price, or log-price on the tick grid) with their volumes.
  readonly #xHigh: Float64Array;
  readonly #xLow: Float64Array;
  readonly #vols: Float64Array;
  /** volume / (xHigh − xLow) per bar (its volume density; unused for zero-range bars). */
  readonly #dens: Float64Array;
  #head = 0;
  #size = 0;
  #close = NaN;
  #lastTime = -Infinity;
  // Histogram on a grid that spans exactly the window's [min low, max high]. While a new bar
  // stays inside that range and the bar leaving the window did not touch its edges, the grid is
  // unchanged and bars are added/subtracted in O(bins touched); otherwise it is rebuilt lazily.
  #gridValid = false;
  #pocDirty = false;
  #areaDirty = false;
  readonly #binVol: Float64Array;
  readonly #diff: Float64Array;
  #xlo = 0;
  #xhi = 0;
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
    this.#xHigh = new Float64Array(p.lookback);
    this.#xLow = new Float64Array(p.lookback);
    this.#vols = new Float64Array(p.lookback);
    this.#dens = new Float64Array(p.lookback);
    const rows = p.tickBps > 0 ? p.maxBins : p.bins;
    this.#binVol = new Float64Array(rows);
    this.#diff = new Float64Array(rows + 1);
  }

  /** Feeds one closed candle: O(1) plus O(bins the bar covers) while the range holds. */
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
    const log = this.#logStep > 0;
    const xh = log ? Math.log(high) : high;
    const xl = log ? Math.log(low) : low;
    const d = xh > xl ? volume / (xh - xl) : 0;
    const cap = this.#lookback;
    let i: number;
    let evicted = false;
    if (this.#size < cap) {
      i = this.#head + this.#size;
      if (i >= cap) i -= cap;
      this.#size++;
    } else {
      i = this.#head;
      this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
      evicted = true;
    }
    if (this.#gridValid) {
      if (xl < this.#xlo || xh > this.#xhi) this.#gridValid = false;
      else if (evicted) {
        const ol = this.#xLow[i];
        const oh = this.#xHigh[i];
        if (ol <= this.#xlo || oh >= this.#xhi) this.#gridValid = false;
        else {
          const ov = this.#vols[i];
          this.#spread(ol, oh, -ov, -this.#dens[i]);
          this.#total -= ov;
        }
      }
      if (this.#gridValid) {
        this.#spread(xl, xh, volume, d);
        this.#total += volume;
        this.#pocDirty = true;
        this.#areaDirty = true;
      }
    }
    this.#xHigh[i] = xh;
    this.#xLow[i] = xl;
    this.#vols[i] = volume;
    this.#dens[i] = d;
    this.#close = close;
    this.count++;
  }

  #price(x: number): number {
    return this.#logStep > 0 ? Math.exp(x) : x;
  }

  #bin(x: number): number {
    if (this.#w <= 0) return 0;
    const b = Math.floor((x - this.#x0) / this.#w);
    return b < 0 ? 0 : b >= this.#nb ? this.#nb - 1 : b;
  }

  // Adds `v` (density `d` = v / (xh − xl)) spread uniformly over [xl, xh] to the current grid,
  // touching only the bins covered.
  #spread(xl: number, xh: number, v: number, d: number): void {
    if (v === 0) return;
    const bv = this.#binVol;
    const i0 = this.#bin(xl);
    const i1 = this.#bin(xh);
    if (i0 === i1 || !(xh > xl)) {
      bv[i0] += v;
      return;
    }
    const w = this.#w;
    const x0 = this.#x0;
    bv[i0] += d * (x0 + (i0 + 1) * w - xl);
    bv[i1] += d * (xh - (x0 + i1 * w));
    const full = d * w;
    for (let b = i0 + 1; b < i1; b++) bv[b] += full;
  }

  // Full rebuild from the ring in O(lookback + bins), using a difference array for fully
  // covered bins.
  #rebuild(): void {
    const n = this.#size;
    const cap = this.#lookback;
    const xHigh = this.#xHigh;
    const xLow = this.#xLow;
    const vols = this.#vols;
    let lo = Infinity;
    let hi = -Infinity;
    let total = 0;
    for (let k = 0, j = this.#head; k < n; k++, j = j + 1 === cap ? 0 : j + 1) {
      if (xLow[j] < lo) lo = xLow[j];
      if (xHigh[j] > hi) hi = xHigh[j];
      total += vols[j];
    }
    this.#xlo = lo;
    this.#xhi = hi;
    this.#total = total;
    if (this.#logStep > 0) {
      const s = this.#logStep;
      const first = Math.floor(lo / s);
      const span = Math.floor(hi / s) - first + 1;
      const group = Math.ceil(span / this.#maxBins);
      this.#w = s * group;
      this.#x0 = first * s;
      this.#nb = Math.ceil(span / group);
    } else {
      this.#nb = this.#bins;
      this.#x0 = lo;
      this.#w = (hi - lo) / this.#bins;
      if (!(this.#w > 0)) this.#nb = 1; // flat window: one bin at that price
    }
    const nb = this.#nb;
    const bv = this.#binVol;
    const diff = this.#diff;
    bv.fill(0, 0, nb);
    diff.fill(0, 0, nb + 1);
    const w = this.#w;
    const x0 = this.#x0;
    const last = nb - 1;
    const dens = this.#dens;
    const head = this.#head;
    // Branch-free body: whether a bar lies in one bin or spans several is a coin flip, and
    // mispredicted branches cost more than the arithmetic. A one-bin bar adds v + 0 to its bin
    // (exactly v), a bar spanning two bins adds 0 to the difference array (no change).
    for (let k = 0; k < n; k++) {
      let j = head + k;
      if (j >= cap) j -= cap;
      const xl = xLow[j];
      const xh = xHigh[j];
      let i0 = 0;
      let i1 = 0;
      if (w > 0) {
        // floor((x − x0)/w) clamped to [0, last], in int32 arithmetic.
        const t0 = (xl - x0) / w;
        const t1 = (xh - x0) / w;
        i0 = t0 < 0 ? 0 : t0 >= last ? last : t0 | 0;
        i1 = t1 < 0 ? 0 : t1 >= last ? last : t1 | 0;
      }
      const v = vols[j];
      const d = dens[j];
      const spans = +(i1 > i0 && xh > xl); // 1 when the bar covers more than one bin
      const one = 1 - spans;
      bv[i0] += one * v + spans * (d * (x0 + (i0 + 1) * w - xl));
      bv[i1] += spans * (d * (xh - (x0 + i1 * w)));
      const full = +(i1 > i0 + 1) * (d * w);
      diff[i0 + 1] += full;
      diff[i1] -= full;
    }
    let run = 0;
    for (let b = 0; b < nb; b++) {
      run += diff[b];
      bv[b] += run;
    }
    this.#gridValid = true;
    this.#pocDirty = true;
    this.#areaDirty = true;
  }

  // POC from the histogram, O(bins). Rounding residue below 0 counts as 0.
  #findPoc(): void {
    this.#pocDirty = false;
    this.#pocBin = -1;
    if (!(this.#total > 0)) return;
    const nb = this.#nb;
    const bv = this.#binVol;
    let poc = 0;
    let best = -Infinity;
    for (let b = 0; b < nb; b++) {
      const vol = bv[b] > 0 ? bv[b] : 0;
      if (vol > best + TIE * best) { // the lowest price wins a tie
        best = vol;
        poc = b;
      }
    }
    this.#pocBin = poc;
  }

  // Value area grown from the POC, O(bins); only for values() and the VAH/VAL getters.
  #growValueArea(): void {
    this.#areaDirty = false;
    const nb = this.#nb;
    const bv = this.#binVol;
    const poc = this.#pocBin;
    const best = bv[poc] > 0 ? bv[poc] : 0;
    const target = this.#valueArea * this.#total;
    let acc = best;
    let a = poc;
    let z = poc;
    while (acc < target) {
      const up = z + 1 < nb ? (bv[z + 1] > 0 ? bv[z + 1] : 0) : -1;
      const dn = a > 0 ? (bv[a - 1] > 0 ? bv[a - 1] : 0) : -1;
      if (up < 0 && dn < 0) break;
      if (up > dn + TIE * dn) {
        acc += up;
        z++;
      } else {
        acc += dn;
        a--;
      }
    }
    this.#vaLo = a;
    this.#vaHi = z;
  }

  #ready(): boolean {
    if (this.#size < this.#minCandles) return false;
    if (!this.#gridValid) this.#rebuild();
    if (this.#pocDirty) this.#findPoc();
    return this.#pocBin >= 0;
  }

  #areaReady(): boolean {
    if (!this.#ready()) return false;
    if (this.#areaDirty) this.#growValueArea();
    return true;
  }

  /** Point of control: centre of the highest-volume bin (NaN until ready). */
  get poc(): number {
    return this.#ready() ? this.#price(this.#x0 + (this.#pocBin + 0.5) * this.#w) : NaN;
  }

  /** Value-area high: upper edge of the value area's top bin (NaN until ready). */
  get vah(): number {
    return this.#areaReady() ? this.#price(this.#x0 + (this.#vaHi + 1) * this.#w) : NaN;
  }

  /** Value-area low: lower edge of the value area's bottom bin (NaN until ready). */
  get val(): number {
    return this.#areaReady() ? this.#price(this.#x0 + this.#vaLo * this.#w) : NaN;
  }

  /** Number of rows of the current profile (0 until ready). */
  get binCount(): number {
    return this.#ready() ? this.#nb : 0;
  }

  /** Volume of row `i`, 0 = lowest price (for inspection and tests). */
  binVolume(i: number): number {
    if (!this.#ready() || !(i >= 0 && i < this.#nb)) return NaN;
    return this.#binVol[i] > 0 ? this.#binVol[i] : 0;
  }

  /** Lower edge price of row `i` (row `binCount` gives the top edge). */
  binEdge(i: number): number {
    return this.#ready() ? this.#price(this.#x0 + i * this.#w) : NaN;
  }

  /** Total volume in the profile window. */
  get totalVolume(): number {
    if (this.#size > 0 && !this.#gridValid) this.#rebuild();
    return this.#total;
  }

  /** Last close. */
  get close(): number {
    return this.#close;
  }

  /** Classifies the last close against the profile (see the module doc). */
  classify(p: VolumeProfileParams): VolumeProfileStateName {
    if (!this.#ready()) return "Neutral";
    const xc = this.#logStep > 0 ? Math.log(this.#close) : this.#close;
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
