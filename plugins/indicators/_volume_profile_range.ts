/**
 * Volume profile with `bins` rows spanning exactly the window's lowest low to highest high (the
 * `tickBps: 0` mode). While the range holds, bars are added and subtracted in O(rows they cover);
 * a new extreme (or a leaving one) moves every row, so the rows are rebuilt lazily, once, when
 * `values()` or `evaluate` next asks, in O(lookback + bins) with a difference array for fully
 * covered rows. Memory: 32 bytes per lookback candle plus 16 per row.
 * @module
 */
import type { Candle, IndicatorSignal, IndicatorValues } from "perptrix";
import { candleRejection, usableCandle } from "./_candle_guard.ts";
import { valueArea, VOLUME_TIE } from "./_value_area.ts";
import type {
  VolumeProfileParams,
  VolumeProfileSignals,
  VolumeProfileStateName,
} from "./volume_profile.ts";

/** Streaming volume profile with `bins` rows over the window's low–high range. */
export class RangeVolumeProfile {
  /** Candles fed. */
  count = 0;
  readonly #lookback: number;
  readonly #bins: number;
  readonly #valueArea: number;
  readonly #minCandles: number;
  readonly #signals: VolumeProfileSignals;
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

  constructor(p: VolumeProfileParams, signals: VolumeProfileSignals) {
    this.#signals = signals;
    this.#lookback = p.lookback;
    this.#bins = p.bins;
    this.#valueArea = p.valueArea;
    this.#minCandles = p.minCandles;
    this.#xHigh = new Float64Array(p.lookback);
    this.#xLow = new Float64Array(p.lookback);
    this.#vols = new Float64Array(p.lookback);
    this.#dens = new Float64Array(p.lookback);
    this.#binVol = new Float64Array(p.bins);
    this.#diff = new Float64Array(p.bins + 1);
  }

  /** Feeds one closed candle: O(1) plus O(bins the bar covers) while the range holds. */
  update(c: Candle): void {
    if (!usableCandle(c, this.#lastTime)) {
      throw candleRejection(c, this.#lastTime, "volume_profile");
    }
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    const { time, high, low, close, volume } = c;
    this.#lastTime = time;
    const xh = high;
    const xl = low;
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
    this.#nb = this.#bins;
    this.#x0 = lo;
    this.#w = (hi - lo) / this.#bins;
    if (!(this.#w > 0)) this.#nb = 1; // flat window: one bin at that price
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
      if (vol > best + VOLUME_TIE * best) { // the lowest price wins a tie
        best = vol;
        poc = b;
      }
    }
    this.#pocBin = poc;
  }

  // Value area grown from the POC, O(bins); only for values() and the VAH/VAL getters.
  #growValueArea(): void {
    this.#areaDirty = false;
    const bv = this.#binVol;
    [this.#vaLo, this.#vaHi] = valueArea(
      (b) => (bv[b] > 0 ? bv[b] : 0),
      this.#pocBin,
      0,
      this.#nb - 1,
      this.#valueArea * this.#total,
    );
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
    return this.#ready() ? (this.#x0 + (this.#pocBin + 0.5) * this.#w) : NaN;
  }

  /** Value-area high: upper edge of the value area's top bin (NaN until ready). */
  get vah(): number {
    return this.#areaReady() ? (this.#x0 + (this.#vaHi + 1) * this.#w) : NaN;
  }

  /** Value-area low: lower edge of the value area's bottom bin (NaN until ready). */
  get val(): number {
    return this.#areaReady() ? (this.#x0 + this.#vaLo * this.#w) : NaN;
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
    return this.#ready() ? (this.#x0 + i * this.#w) : NaN;
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
    return this.signal(p).state as VolumeProfileStateName;
  }

  /** The shared frozen signal of {@linkcode classify}'s state (what `evaluate` returns). */
  signal(p: VolumeProfileParams): Readonly<IndicatorSignal> {
    if (!this.#ready()) return this.#signals.Neutral;
    const xc = this.#close;
    const xp = this.#x0 + (this.#pocBin + 0.5) * this.#w;
    if (Math.abs(xc - xp) < p.nearBins * this.#w) {
      return xc > xp ? this.#signals.POCSupport : this.#signals.POCResistance;
    }
    const avg = this.#total / this.#nb;
    const vb = this.#binVol[this.#bin(xc)];
    if (vb > p.hvnFactor * avg) return this.#signals.NearHVN;
    if (vb < p.lvnFactor * avg) return this.#signals.NearLVN;
    return this.#signals.Neutral;
  }

  /** `poc`, `vah`, `val`; null until `minCandles` candles with some volume were fed. */
  values(): IndicatorValues {
    if (!this.#ready()) return { poc: null, vah: null, val: null };
    return { poc: this.poc, vah: this.vah, val: this.val };
  }
}
