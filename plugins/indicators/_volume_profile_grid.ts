/**
 * Volume profile on a fixed log-price grid (the default mode): row k covers log-prices
 * [k·w, (k+1)·w) with w = g · ln(1 + tickBps/10⁴). The grid is anchored at log-price 0, not at
 * the window, so a new high or low never moves the rows: each candle's spread volume is added
 * once when it enters and subtracted once when it leaves, in O(rows it covers). Rows live in a
 * circular array indexed by row number, and the value area is grown only when values() asks.
 * The window's row span (its lowest low and highest high) comes from `SlidingExtremes`, which
 * also stores the bars' log lows and highs.
 *
 * The POC follows one fixed rule, which callers that ask on every candle (the engine) and
 * callers that ask now and then both get: while it is current, an added bar's leading row takes
 * it over when it beats it (a tie goes to the lower row); a leaving bar that covers the POC's
 * row marks it for a rescan of the span at the next ask. Between asks, an upper bound on the
 * other rows' volumes is kept (branch-free maxes over each added bar's rows; the runner-up's
 * volume is read instead), which makes both steps cheap: an added bar whose rows all stay below
 * the POC by more than the tie tolerance cannot take over, so its leader is never looked for;
 * and a row that beats every other row beyond the tolerance is the one a rescan would end on,
 * so the rescan is skipped when the old POC still beats the bound and the runner-up, when the
 * runner-up beats the bound and the old POC, or else when one row beats the rest in an exact
 * pass for the two largest. Callers that never ask keep no bound.
 *
 * Grouping g is the smallest whole number of ticks per row that keeps the window's row span
 * within `maxBins`; it depends only on the window, and the rows are rebuilt from the window
 * (O(lookback + rows)) in the rare updates where it changes.
 * @module
 */
import type { Candle, IndicatorSignal, IndicatorValues } from "perptrix";
import { candleRejection, usableCandle } from "./_candle_guard.ts";
import type {
  VolumeProfileParams,
  VolumeProfileSignals,
  VolumeProfileStateName,
} from "./volume_profile.ts";
import { SlidingExtremes } from "./_sliding_extremes.ts";
import { valueArea, VOLUME_TIE } from "./_value_area.ts";

/**
 * Touched rows whose volume bound times this stays below the POC's cannot take it over: the
 * takeover needs one within the tie tolerance (1e-9) of it, and this leaves room for rounding.
 */
const TAKEOVER_MARGIN = 1 + 3e-9;

/**
 * Whether rows r0..r1 include row p, as one branch on two 0/1s: whether p lies below or above a
 * bar's rows is a coin flip the CPU would mispredict as a branch of its own.
 */
function covers(r0: number, r1: number, p: number): boolean {
  return (+(p >= r0) & +(p <= r1)) !== 0;
}

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
  readonly #signals: VolumeProfileSignals;
  /** Signal by (above HVN) + 2·(below LVN); both at once only for a negative mean: HVN first. */
  readonly #byNode: readonly Readonly<IndicatorSignal>[];
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
  #invW = 0; // 1 / #w, for the close's row in #judge (an estimate, checked there)
  #gridValid = false;
  #xlo = Infinity;
  #xhi = -Infinity;
  #loRow = 0;
  #hiRow = -1;
  #total = 0;
  #poc = 0;
  #pocDirty = true;
  /**
   * Upper bound on the (clamped) volume of every row but the POC's and the runner-up's, while
   * #bounded. When a removal marks the POC for a rescan and its row still beats this bound and
   * the runner-up's volume beyond the tie tolerance, the scan would pick it again, so it is kept
   * without scanning (most rescans end that way). The runner-up is left out because a bar
   * leaving the POC's row usually leaves its neighbour too: its volume is read when needed.
   */
  #ub = Infinity;
  /** The runner-up row (the largest but the POC when last taken exactly), left out of #ub. */
  #runner = 0;
  /** #ub is kept up; false from a rebuild, or from an update that found the POC awaiting a rescan. */
  #bounded = false;
  // #maxOther's other results: the row of the largest volume, and the largest of the rest.
  #leader = 0;
  #second = 0;
  // Last bar's low and log-low: the close's log is derived from them (see #signal).
  #lastLow = NaN;
  #lastXl = NaN;
  #areaDirty = true;
  #vaLo = 0;
  #vaHi = 0;

  constructor(p: VolumeProfileParams, signals: VolumeProfileSignals) {
    this.#signals = signals;
    this.#byNode = [signals.Neutral, signals.NearHVN, signals.NearLVN, signals.NearHVN];
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
    // A POC still awaiting its rescan since the last update: nobody asked, so the bound on the
    // other rows is not kept up (update-only callers skip that work; the ask will scan). So a
    // kept bound always means a current POC or one marked for rescan in this very update.
    if (this.#pocDirty) this.#bounded = false;
    const xh = Math.log(high);
    const xl = Math.log(low);
    this.#lastLow = low;
    this.#lastXl = xl;
    const d = xh > xl ? volume / (xh - xl) : 0;
    const cap = this.#lookback;
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
          // The POC is rescanned on the next ask if its row lost volume. (Written out here, not
          // as a method: the inlining budget goes to the spreads.)
          const r0 = this.#row0[i];
          const r1 = this.#row1[i];
          this.#spread(this.#xLow[i], this.#xHigh[i], r0, r1, -ov, -this.#dens[i]);
          if (covers(r0, r1, this.#poc)) this.#pocDirty = true;
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
        // No bound kept means the POC awaits a rescan: plain sums, nothing to track.
        if (!this.#bounded) this.#spread(xl, xh, r0, r1, volume, d);
        else {
          // The sums of #spread, with an upper bound `top` on the new volumes of the touched
          // rows but the POC's (and on 0), by branch-free maxes ½(a + b + |a − b|): which row of
          // a bar is the largest is a coin flip the CPU would mispredict. The full rows go to two
          // running maxes (half the dependency chain). The POC's row, when touched, takes its
          // share on a 0 first (so only the share counts) and its volume after, to the same sum.
          // Each max can land up to 3 ulps low; a bar covers at most 2,000 rows, so the final
          // 1 + 2e-12 more than covers that. (Written out here, not as a method: V8's inlining
          // budget for this function is spent on the others.)
          const rows = this.#rows;
          const mask = this.#mask;
          const p = this.#poc;
          const ps = covers(r0, r1, p) ? p & mask : -1;
          let held = 0;
          if (ps >= 0) {
            held = rows[ps];
            rows[ps] = 0;
          }
          const k0 = r0 & mask;
          let top: number;
          if (r0 === r1) {
            const x = rows[k0] += volume;
            top = 0.5 * (x + Math.abs(x));
          } else {
            const a = rows[k0] += d * ((r0 + 1) * w - xl);
            const full = d * w;
            let m1 = 0;
            let m2 = 0;
            let k = (k0 + 1) & mask;
            let n = (r1 - r0 - 1) | 0;
            for (; n >= 2; n -= 2) {
              const x = rows[k] += full;
              k = (k + 1) & mask;
              const y = rows[k] += full;
              k = (k + 1) & mask;
              m1 = 0.5 * (m1 + x + Math.abs(m1 - x));
              m2 = 0.5 * (m2 + y + Math.abs(m2 - y));
            }
            if (n > 0) {
              const x = rows[k] += full;
              m1 = 0.5 * (m1 + x + Math.abs(m1 - x));
            }
            const b = rows[r1 & mask] += d * (xh - r1 * w);
            const ab = 0.5 * (a + b + Math.abs(a - b));
            const mm = 0.5 * (m1 + m2 + Math.abs(m1 - m2));
            top = 0.5 * (ab + mm + Math.abs(ab - mm));
          }
          if (ps >= 0) rows[ps] += held; // share + held, as share added to held
          top *= 1 + 2e-12;
          // The other touched rows can take the POC over only when one comes within the tie
          // tolerance of its volume; otherwise they only raise the bound.
          if (!this.#pocDirty && !(top * TAKEOVER_MARGIN < rows[p & mask])) this.#settle(i);
          else if (top > this.#ub) this.#ub = top;
        }
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

  // After an add (already in the rows) that may have moved the current POC: the touched rows'
  // leader (lowest row on a tie) takes over when it beats the POC, or ties it from below; then
  // the bound takes in the touched rows but the POC, and the old POC's row if it lost the lead.
  #settle(i: number): void {
    const r0 = this.#row0[i];
    const r1 = this.#row1[i];
    const rows = this.#rows;
    const mask = this.#mask;
    const p = this.#poc;
    let lead = r0;
    let top = rows[r0 & mask];
    if (r0 !== r1) {
      for (let r = r0 + 1; r < r1; r++) {
        const x = rows[r & mask];
        if (x > top + VOLUME_TIE * top) {
          top = x;
          lead = r;
        }
      }
      const x = rows[r1 & mask];
      if (x > top + VOLUME_TIE * top) {
        top = x;
        lead = r1;
      }
    }
    if (lead !== p) {
      const best = rows[p & mask];
      if (lead < p ? !(best > top + VOLUME_TIE * top) : top > best + VOLUME_TIE * best) {
        this.#poc = lead;
        // The old POC's row is bounded, or becomes the runner-up if that took over.
        if (lead === this.#runner) this.#runner = p;
        else if (best > this.#ub) this.#ub = best;
      }
    }
    const poc = this.#poc;
    let ub = this.#ub;
    for (let r = r0; r <= r1; r++) {
      const x = rows[r & mask];
      if (x > ub && r !== poc) ub = x;
    }
    this.#ub = ub;
  }

  // Rebuilds the rows from the ring for the window's grouping: O(lookback + rows).
  #rebuild(): void {
    const tick = this.#tick;
    const g = gridGroup(this.#xlo, this.#xhi, tick, this.#maxBins);
    const w = tick * g;
    this.#g = g;
    this.#w = w;
    this.#invW = 1 / w;
    this.#loRow = Math.floor(this.#xlo / w);
    this.#hiRow = Math.floor(this.#xhi / w);
    this.#rows.fill(0);
    this.#gridValid = true;
    this.#pocDirty = true;
    this.#bounded = false;
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

  // POC by a scan of the span, lowest row first (a tie keeps the lower price), skipped when its
  // answer is known: a row that beats every other row beyond the tie tolerance is the one the
  // scan ends on (no row before it beats it, no row after it does). The old POC and the
  // runner-up are checked against the bound and each other first; the bound never follows
  // removals, so when that fails the other rows' two largest volumes are taken exactly, by a
  // plain max (cheaper than the scan's tolerance tests): the old POC may still beat them all,
  // or their largest may beat the rest.
  #findPoc(): void {
    this.#pocDirty = false;
    const lo = this.#loRow;
    const hi = this.#hiRow;
    const p = this.#poc;
    const bounded = this.#bounded;
    this.#bounded = true;
    if (p >= lo && p <= hi) {
      const x = this.#rows[p & this.#mask];
      const v = 0.5 * (x + Math.abs(x)); // exactly x > 0 ? x : 0 (rounding residue counts as 0)
      const u = this.#runner;
      if (bounded && u >= lo && u <= hi) {
        const ub = this.#ub;
        const xu = this.#rows[u & this.#mask];
        const b = ub > xu ? ub : xu;
        if (v > b + VOLUME_TIE * b) return;
        // Or the runner-up beats all the others (the bound and the old POC) and takes over.
        const c = ub > v ? ub : v;
        if (xu > c + VOLUME_TIE * c) {
          this.#poc = u;
          this.#runner = p;
          return;
        }
      }
      const m = this.#maxOther(p);
      this.#ub = this.#second;
      if (v > m + VOLUME_TIE * m) {
        this.#runner = this.#leader;
        return;
      }
      const rest = v > this.#second ? v : this.#second;
      if (m > rest + VOLUME_TIE * rest) {
        this.#poc = this.#leader;
        this.#runner = p;
        return;
      }
    }
    const rows = this.#rows;
    const mask = this.#mask;
    let off = 0;
    let best = -Infinity;
    for (let k = lo & mask, m = 0, n = (hi - lo + 1) | 0; m < n; m++, k = (k + 1) & mask) {
      const x = rows[k];
      const v = 0.5 * (x + Math.abs(x)); // exactly x > 0 ? x : 0 (rounding residue counts as 0)
      if (v > best + VOLUME_TIE * best) {
        best = v;
        off = m;
      }
    }
    const poc = lo + off;
    this.#poc = poc;
    this.#maxOther(poc);
    this.#runner = this.#leader;
    this.#ub = this.#second;
  }

  // Largest volume, and at least 0, of the span's rows but p (in the span); #leader is its row
  // and #second the largest (at least 0) of the rest. Walked outward from p, down then up: the
  // volumes mostly fall away from the POC, so a new largest is rare after the first rows and
  // the comparisons stay predictable (from the span's ends inward they would be coin flips).
  #maxOther(p: number): number {
    const rows = this.#rows;
    const mask = this.#mask;
    let m1 = 0;
    let m2 = 0;
    let lead = 0; // distance from p: negative below, positive above (0: none, all at 0)
    for (let k = (p - 1) & mask, j = -1, n = (p - this.#loRow) | 0; n > 0; n--, j--) {
      const x = rows[k];
      if (x > m2) {
        if (x > m1) {
          m2 = m1;
          m1 = x;
          lead = j;
        } else m2 = x;
      }
      k = (k - 1) & mask;
    }
    for (let k = (p + 1) & mask, j = 1, n = (this.#hiRow - p) | 0; n > 0; n--, j++) {
      const x = rows[k];
      if (x > m2) {
        if (x > m1) {
          m2 = m1;
          m1 = x;
          lead = j;
        } else m2 = x;
      }
      k = (k + 1) & mask;
    }
    this.#leader = p + lead;
    this.#second = m2;
    return m1;
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
    return this.signal(p).state as VolumeProfileStateName;
  }

  /**
   * The shared frozen signal of {@linkcode classify}'s state: what `evaluate` returns, without
   * a lookup by name. The state depends on the close's log-price X = Math.log(close) only
   * through monotone steps (X − the POC centre against ±nearBins rows, X against the POC
   * centre, the row ⌊X / w⌋), so an x known to be within e/2 of X decides it whenever all of
   * [x − e, x + e] gets the same answers. That x comes from the last low's log: ln c = ln l +
   * 2t + ⅔t³ + …, t = (c − l)/(c + l), of which 2t is kept and the rest goes into e; a division
   * instead of a log call, on the path to the answer. Math.log(close) itself is taken only when
   * the interval straddles a boundary (a few closes in 10⁵ on 1m bars) or the bar is too tall.
   */
  signal(p: VolumeProfileParams): Readonly<IndicatorSignal> {
    const c = this.#close;
    const l = this.#lastLow;
    const t = (c - l) / (c + l); // 0 ≤ t < 1 (0 < low ≤ close); c − l is exact while |t| < 1/3
    if (!this.#ready()) return this.#signals.Neutral;
    const w = this.#w;
    const xp = (this.#poc + 0.5) * w;
    const near = p.nearBins * w;
    let r = NaN; // the close's row, once known
    const at = Math.abs(t);
    if (at < 0.01) {
      // (All in this method, no helper taking the numbers: a call that is not inlined would
      // box them.)
      const xl = this.#lastXl;
      // Left out: ⅔|t|³ + 0.41|t|⁵ < |t|³, taken 1.5 times. Math.log is within an ulp of ln
      // (so is Math.log(low)), and the roundings are a few ulps of |x| ≈ |ln low|: 1e-12
      // relative is hundreds of times those, ulps of the ends included.
      const e = 1e-12 * (1.1 + Math.abs(xl)) + 1.5 * (at * at * at);
      const x = xl + 2 * t;
      const xa = x - e; // ≤ X
      const xb = x + e; // ≥ X
      const da = xa - xp; // ≤ X − xp as rounded (a rounded difference is monotone in X)
      const db = xb - xp; // ≥ it
      // Each test is one branch on 0/1s combined: whether the close is above or below the POC
      // is a coin flip the CPU would mispredict as a branch of its own.
      if ((+(da > -near) & +(db < near)) !== 0) { // |X − xp| < near
        if (xa > xp) return this.#signals.POCSupport;
        if (!(xb > xp)) return this.#signals.POCResistance;
      } else if ((+(da >= near) | +(db <= -near)) !== 0) { // |X − xp| ≥ near
        // Row ⌊X / w⌋ by multiplies: q is within δ/2 of X / w (e/2 of X, a few ulps of the
        // products), so X / w, and X / w as rounded, stays inside (q's row, the next) when q's
        // fraction clears δ.
        const invW = this.#invW;
        const q = xl * invW + t * (2 * invW);
        const rq = Math.floor(q);
        const f = q - rq;
        const delta = 2 * e * invW + 1e-15 * (Math.abs(q) + 1);
        if ((+(f > delta) & +(f < 1 - delta)) !== 0) r = rq;
      }
    }
    if (r !== r) { // not decided from the interval: the original computation on X itself
      const x = Math.log(c);
      if (Math.abs(x - xp) < near) {
        return x > xp ? this.#signals.POCSupport : this.#signals.POCResistance;
      }
      r = Math.floor(x / w);
    }
    // The close lies in the last bar's range, so in the span; rounding at an edge stays inside.
    if (r < this.#loRow) r = this.#loRow;
    else if (r > this.#hiRow) r = this.#hiRow;
    const avg = this.#total / (this.#hiRow - this.#loRow + 1);
    const vb = this.#rows[r & this.#mask];
    // Picked by index, not by branches: the row's state is a coin flip the CPU would mispredict.
    return this.#byNode[+(vb > p.hvnFactor * avg) | (+(vb < p.lvnFactor * avg) << 1)];
  }

  /** `poc`, `vah`, `val`; null until `minCandles` candles with some volume were fed. */
  values(): IndicatorValues {
    if (!this.#ready()) return { poc: null, vah: null, val: null };
    return { poc: this.poc, vah: this.vah, val: this.val };
  }
}
