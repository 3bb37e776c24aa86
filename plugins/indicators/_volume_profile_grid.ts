/**
 * Volume profile on a fixed log-price grid (the default mode): row k covers log-prices
 * [k·w, (k+1)·w) with w = g · ln(1 + tickBps/10⁴). The grid is anchored at log-price 0, not at
 * the window, so a new high or low never moves the rows: each candle's spread volume is added
 * once when it enters and subtracted once when it leaves, in O(rows it covers). Rows live in a
 * circular array indexed by row number, the POC is tracked as rows rise and rescanned only when
 * the POC row itself loses volume, and the value area is grown only when values() asks.
 * The window's row span (its lowest low and highest high) comes from `SlidingExtremes`, which
 * also stores the bars' log lows and highs.
 *
 * Grouping g is the smallest whole number of ticks per row that keeps the window's row span
 * within `maxBins`; it depends only on the window, and the rows are rebuilt from the window
 * (O(lookback + rows)) in the rare updates where it changes. Rows are kept current on every
 * update (no deferred work), so update-only and evaluating callers pay the same per candle.
 * @module
 */
import type { Candle, IndicatorValues } from "perptrix";
import { candleRejection, usableCandle } from "./_candle_guard.ts";
import type { VolumeProfileParams, VolumeProfileStateName } from "./volume_profile.ts";
import { SlidingExtremes } from "./_sliding_extremes.ts";
import { valueArea, VOLUME_TIE } from "./_value_area.ts";

/** Smallest ticks-per-row `g` with floor(hi/w) − floor(lo/w) + 1 ≤ maxBins, w = tick·g. */
export function gridGroup(xlo: number, xhi: number, tick: number, maxBins: number): number {
  // Any g below (xhi − xlo)/(tick·maxBins) spans more than maxBins rows; start one below that.
  let g = Math.max(1, Math.floor((xhi - xlo) / tick / maxBins) - 1);
  for (;;) {
    const w = tick * g;
    if (Math.floor(xhi / w) - Math.floor(xlo / w) + 1 <= maxBins) return g;
    g++;
  }
}

/** Streaming volume profile on the log-price tick grid. */
export class GridVolumeProfile {
  /** Candles fed. */
  count = 0;
  readonly #lookback: number;
  readonly #tick: number;
  readonly #maxBins: number;
  readonly #valueArea: number;
  readonly #minCandles: number;
  // Ring of bars: log low/high (held by #extremes), volume, density, first and last row (for the
  // current grid).
  readonly #extremes: SlidingExtremes;
  readonly #xLow: Float64Array;
  readonly #xHigh: Float64Array;
  readonly #vols: Float64Array;
  readonly #dens: Float64Array;
  readonly #row0: Float64Array;
  readonly #row1: Float64Array;
  #head = 0;
  #size = 0;
  /** Bars in the window with volume > 0 (no profile when none: exact, unlike a running sum). */
  #positive = 0;
  #close = NaN;
  #lastTime = -Infinity;
  // Grid.
  readonly #rows: Float64Array;
  readonly #mask: number;
  #g = 0; // ticks per row; 0 = no grid yet
  #w = 0;
  #gridValid = false;
  #xlo = Infinity;
  #xhi = -Infinity;
  #loRow = 0;
  #hiRow = -1;
  #total = 0;
  #poc = 0;
  #pocDirty = true;
  #areaDirty = true;
  #vaLo = 0;
  #vaHi = 0;

  constructor(p: VolumeProfileParams) {
    const n = p.lookback;
    this.#lookback = n;
    this.#tick = Math.log1p(p.tickBps / 10_000);
    this.#maxBins = p.maxBins;
    this.#valueArea = p.valueArea;
    this.#minCandles = p.minCandles;
    this.#extremes = new SlidingExtremes(n);
    this.#xLow = this.#extremes.lows;
    this.#xHigh = this.#extremes.highs;
    this.#vols = new Float64Array(n);
    this.#dens = new Float64Array(n);
    this.#row0 = new Float64Array(n);
    this.#row1 = new Float64Array(n);
    let cap = 2;
    while (cap < p.maxBins) cap *= 2;
    this.#rows = new Float64Array(cap);
    this.#mask = cap - 1;
  }

  /** Feeds one closed candle: O(1) amortised plus O(rows the entering and leaving bars cover). */
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
    const xh = Math.log(high);
    const xl = Math.log(low);
    const d = xh > xl ? volume / (xh - xl) : 0;
    const cap = this.#lookback;
    const xLow = this.#xLow;
    const xHigh = this.#xHigh;
    let i: number;
    if (this.#size < cap) {
      i = this.#head + this.#size;
      if (i >= cap) i -= cap;
      this.#size++;
    } else {
      i = this.#head;
      this.#head = i + 1 === cap ? 0 : i + 1;
      // The leaving bar goes out of the rows.
      const ov = this.#vols[i];
      if (ov > 0) {
        this.#positive--;
        if (this.#gridValid) {
          this.#remove(xLow[i], xHigh[i], this.#row0[i], this.#row1[i], ov, this.#dens[i]);
          this.#total -= ov;
        }
      }
    }
    const extremes = this.#extremes;
    extremes.push(i, xl, xh); // stores xLow[i], xHigh[i]
    this.#vols[i] = volume;
    this.#dens[i] = d;
    if (volume > 0) this.#positive++;
    this.#close = close;
    this.count++;

    // The window's extremes and, when they moved, its row span and grouping.
    const xlo = extremes.min;
    const xhi = extremes.max;
    if (xlo !== this.#xlo || xhi !== this.#xhi) {
      this.#xlo = xlo;
      this.#xhi = xhi;
      if (this.#gridValid) {
        const w = this.#w;
        const lo = Math.floor(xlo / w);
        const hi = Math.floor(xhi / w);
        // One tick per row is the finest grouping, so it stays right while the span fits.
        const g = this.#g === 1 && hi - lo < this.#maxBins
          ? 1
          : gridGroup(xlo, xhi, this.#tick, this.#maxBins);
        if (g !== this.#g) this.#gridValid = false;
        else {
          // Rows that left the span hold only rounding residue of the leaving bar: zero them.
          const rows = this.#rows;
          const mask = this.#mask;
          for (let r = this.#loRow; r < lo && r <= this.#hiRow; r++) {
            rows[r & mask] = 0;
            if (r === this.#poc) this.#pocDirty = true;
          }
          for (let r = this.#hiRow; r > hi && r >= this.#loRow; r--) {
            rows[r & mask] = 0;
            if (r === this.#poc) this.#pocDirty = true;
          }
          this.#loRow = lo;
          this.#hiRow = hi;
        }
      }
    }
    if (this.#gridValid) {
      const w = this.#w;
      const r0 = Math.floor(xl / w);
      const r1 = Math.floor(xh / w);
      this.#row0[i] = r0;
      this.#row1[i] = r1;
      if (volume > 0) {
        // While the POC awaits a rescan there is no leader to track: plain sums.
        if (this.#pocDirty) this.#spread(xl, xh, r0, r1, volume, d);
        else this.#add(xl, xh, r0, r1, volume, d);
        this.#total += volume;
      }
      this.#areaDirty = true;
    } else this.#rebuild(); // first candle, or the window's grouping changed
  }

  // Adds volume v (density d, negative to remove) spread over [xl, xh], rows r0..r1.
  #spread(xl: number, xh: number, r0: number, r1: number, v: number, d: number): void {
    const rows = this.#rows;
    const mask = this.#mask;
    if (r0 === r1) {
      rows[r0 & mask] += v;
      return;
    }
    const w = this.#w;
    rows[r0 & mask] += d * ((r0 + 1) * w - xl);
    const full = d * w;
    // Int32 slot walk (r & mask without a double per step).
    for (let k = (r0 + 1) & mask, m = (r1 - r0 - 1) | 0; m > 0; m--, k = (k + 1) & mask) {
      rows[k] += full;
    }
    rows[r1 & mask] += d * (xh - r1 * w);
  }

  // Adds a bar and keeps a current POC current: the touched rows' leader (lowest row on a tie)
  // takes over when it beats the POC, or ties it from below. Same sums as #spread, with the
  // touched rows' leader found in the same pass.
  #add(xl: number, xh: number, r0: number, r1: number, v: number, d: number): void {
    const rows = this.#rows;
    const mask = this.#mask;
    let lead = r0;
    let top: number;
    if (r0 === r1) top = rows[r0 & mask] += v;
    else {
      const w = this.#w;
      top = rows[r0 & mask] += d * ((r0 + 1) * w - xl);
      const full = d * w;
      let off = 0; // leader's row - r0 among the full rows
      for (let k = (r0 + 1) & mask, m = 1, n = (r1 - r0) | 0; m < n; m++, k = (k + 1) & mask) {
        const x = rows[k] += full;
        if (x > top + VOLUME_TIE * top) {
          top = x;
          off = m;
        }
      }
      if (off > 0) lead = r0 + off;
      const x = rows[r1 & mask] += d * (xh - r1 * w);
      if (x > top + VOLUME_TIE * top) {
        top = x;
        lead = r1;
      }
    }
    const p = this.#poc;
    if (lead === p) return;
    const best = rows[p & mask];
    if (lead < p ? !(best > top + VOLUME_TIE * top) : top > best + VOLUME_TIE * best) {
      this.#poc = lead;
    }
  }

  // Removes a bar; the POC is rescanned on the next ask if its row lost volume.
  #remove(xl: number, xh: number, r0: number, r1: number, v: number, d: number): void {
    this.#spread(xl, xh, r0, r1, -v, -d);
    if (this.#poc >= r0 && this.#poc <= r1) this.#pocDirty = true;
  }

  // Rebuilds the rows from the ring for the window's grouping: O(lookback + rows).
  #rebuild(): void {
    const tick = this.#tick;
    const g = gridGroup(this.#xlo, this.#xhi, tick, this.#maxBins);
    const w = tick * g;
    this.#g = g;
    this.#w = w;
    this.#loRow = Math.floor(this.#xlo / w);
    this.#hiRow = Math.floor(this.#xhi / w);
    this.#rows.fill(0);
    this.#gridValid = true;
    this.#pocDirty = true;
    this.#areaDirty = true;
    const cap = this.#lookback;
    let total = 0;
    for (let k = 0, j = this.#head; k < this.#size; k++, j = j + 1 === cap ? 0 : j + 1) {
      const xl = this.#xLow[j];
      const xh = this.#xHigh[j];
      const r0 = Math.floor(xl / w);
      const r1 = Math.floor(xh / w);
      this.#row0[j] = r0;
      this.#row1[j] = r1;
      const v = this.#vols[j];
      if (v > 0) {
        this.#spread(xl, xh, r0, r1, v, this.#dens[j]);
        total += v;
      }
    }
    this.#total = total;
  }

  // POC by a scan of the span, lowest row first (a tie keeps the lower price).
  #findPoc(): void {
    const rows = this.#rows;
    const mask = this.#mask;
    let poc = this.#loRow;
    let best = -Infinity;
    for (let r = this.#loRow; r <= this.#hiRow; r++) {
      const v = rows[r & mask] > 0 ? rows[r & mask] : 0;
      if (v > best + VOLUME_TIE * best) {
        best = v;
        poc = r;
      }
    }
    this.#poc = poc;
    this.#pocDirty = false;
  }

  #vol(r: number): number {
    const v = this.#rows[r & this.#mask];
    return v > 0 ? v : 0;
  }

  // Value area from the POC by the larger neighbour (the lower one on a tie), O(rows).
  #growValueArea(): void {
    this.#areaDirty = false;
    [this.#vaLo, this.#vaHi] = valueArea(
      (r) => this.#vol(r),
      this.#poc,
      this.#loRow,
      this.#hiRow,
      this.#valueArea * this.#total,
    );
  }

  #ready(): boolean {
    if (this.#size < this.#minCandles || this.#positive === 0) return false;
    if (this.#pocDirty) this.#findPoc();
    return true;
  }

  #areaReady(): boolean {
    if (!this.#ready()) return false;
    if (this.#areaDirty) this.#growValueArea();
    return true;
  }

  /** Point of control: centre of the highest-volume row (NaN until ready). */
  get poc(): number {
    return this.#ready() ? Math.exp((this.#poc + 0.5) * this.#w) : NaN;
  }

  /** Value-area high: upper edge of the value area's top row (NaN until ready). */
  get vah(): number {
    return this.#areaReady() ? Math.exp((this.#vaHi + 1) * this.#w) : NaN;
  }

  /** Value-area low: lower edge of the value area's bottom row (NaN until ready). */
  get val(): number {
    return this.#areaReady() ? Math.exp(this.#vaLo * this.#w) : NaN;
  }

  /** Rows from the window's lowest low to its highest high (0 until ready). */
  get binCount(): number {
    return this.#ready() ? this.#hiRow - this.#loRow + 1 : 0;
  }

  /** Volume of row `i` of the span, 0 = lowest price (for inspection and tests). */
  binVolume(i: number): number {
    if (!this.#ready() || !(i >= 0 && i <= this.#hiRow - this.#loRow)) return NaN;
    return this.#vol(this.#loRow + i);
  }

  /** Lower edge price of row `i` of the span (row `binCount` gives the top edge). */
  binEdge(i: number): number {
    return this.#ready() ? Math.exp((this.#loRow + i) * this.#w) : NaN;
  }

  /** Total volume in the profile window. */
  get totalVolume(): number {
    return this.#total;
  }

  /** Last close. */
  get close(): number {
    return this.#close;
  }

  /** Classifies the last close against the profile (see the plugin's doc). */
  classify(p: VolumeProfileParams): VolumeProfileStateName {
    if (!this.#ready()) return "Neutral";
    const w = this.#w;
    const xc = Math.log(this.#close);
    const xp = (this.#poc + 0.5) * w;
    if (Math.abs(xc - xp) < p.nearBins * w) return xc > xp ? "POCSupport" : "POCResistance";
    const avg = this.#total / (this.#hiRow - this.#loRow + 1);
    let r = Math.floor(xc / w);
    // The close lies in the last bar's range, so in the span; rounding at an edge stays inside.
    if (r < this.#loRow) r = this.#loRow;
    else if (r > this.#hiRow) r = this.#hiRow;
    const vb = this.#rows[r & this.#mask];
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
