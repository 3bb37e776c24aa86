/**
 * Open interest: the percentage change of open interest over a time window (1 h by default)
 * against the price change over the same window, scored per the original table
 * (perptrix-behaviour.md §2.11): new money entering longs/shorts, or squeezes.
 *
 * Data arrives on candles (`Candle.openInterest`, base units, as of the candle's close; the
 * provider fills it from Hyperliquid's asset context `openInterest`). The reference is an as-of
 * lookup: the newest observation at or before `time − windowMs`, so the window means the same on
 * 1m and 1h candles (the original compared consecutive samples, which made its 2 % threshold
 * unreachable on 1m bars). Until an observation that old exists, the change is undefined.
 *
 * State: a ring of (time, open interest, close) observations. Observations closer than
 * `windowMs / (maxSamples − 2)` to the previously stored one are not stored (only the current
 * sample is replaced), which bounds memory at `maxSamples` whatever the candle interval and moves
 * the reference by less than that step; with the defaults (1 h, 512) lookups are exact for any
 * candle interval of 8 s or more.
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

const HOUR = 3_600_000;

/** Parameters. */
export const openInterestParams = z.strictObject({
  /** Window over which OI and price changes are measured, in ms. */
  windowMs: z.number().int().min(60_000).max(30 * 24 * HOUR).default(HOUR),
  /** |OI change| in percent above which the table applies (strict). */
  thresholdPct: z.number().positive().max(100).default(2),
  /** Memory bound of the observation ring (24 bytes each). */
  maxSamples: z.number().int().min(16).max(65_536).default(512),
});

/** Validated open-interest parameters. */
export type OpenInterestParams = z.infer<typeof openInterestParams>;

/** Every state the open-interest indicator reports. */
export const OPEN_INTEREST_STATES = [
  "BullishExpansion",
  "BearishExpansion",
  "ShortSqueeze",
  "LongSqueeze",
  "Neutral",
] as const;

/** Open-interest state name. */
export type OpenInterestStateName = typeof OPEN_INTEREST_STATES[number];

/** Shared frozen signals with the original scores and reasons (§3.1, perp). */
export const OPEN_INTEREST_SIGNALS: Readonly<
  Record<OpenInterestStateName, Readonly<IndicatorSignal>>
> = Object.freeze({
  BullishExpansion: frozenSignal("BullishExpansion", 2, "New money entering longs"),
  BearishExpansion: frozenSignal("BearishExpansion", -2, "New money entering shorts"),
  ShortSqueeze: frozenSignal("ShortSqueeze", 1, "Potential short squeeze"),
  LongSqueeze: frozenSignal("LongSqueeze", -1, "Long squeeze in progress"),
  Neutral: frozenSignal("Neutral", 0),
});

/** Streaming open-interest state for one (symbol, interval). */
export class OpenInterestState implements IndicatorState {
  /** Candles fed, with or without open interest. */
  count = 0;
  readonly #windowMs: number;
  readonly #resolution: number;
  readonly #maxSamples: number;
  #times: Float64Array;
  #ois: Float64Array;
  #closes: Float64Array;
  #head = 0;
  #size = 0;
  #lastCandleTime = -Infinity;
  #oi = NaN;
  #oiPct = NaN;
  #pricePct = NaN;

  constructor(p: OpenInterestParams) {
    this.#windowMs = p.windowMs;
    this.#maxSamples = p.maxSamples;
    this.#resolution = p.windowMs / (p.maxSamples - 2);
    const initial = Math.min(64, p.maxSamples);
    this.#times = new Float64Array(initial);
    this.#ois = new Float64Array(initial);
    this.#closes = new Float64Array(initial);
  }

  /** Feeds one closed candle; candles without `openInterest` leave the state unchanged. */
  update(c: Candle): void {
    const t = c.time;
    const oi = c.openInterest;
    const close = c.close;
    if (!(t > this.#lastCandleTime)) {
      throw new CandleError(
        `open_interest: candle time ${t} is not after ${this.#lastCandleTime}; state left unchanged`,
      );
    }
    if (oi !== undefined) {
      if (typeof oi !== "number" || !(oi >= 0) || !Number.isFinite(oi)) {
        throw new CandleError(
          `open_interest: openInterest ${oi} at ${t} is not a finite number >= 0; state left unchanged`,
        );
      }
      if (!(close > 0) || !Number.isFinite(close)) {
        throw new CandleError(
          `open_interest: close ${close} at ${t} is not a positive number; state left unchanged`,
        );
      }
    }
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    const t = c.time;
    const oi = c.openInterest;
    const close = c.close;
    this.#lastCandleTime = t;
    this.count++;
    if (oi === undefined) return;
    this.#store(t, oi, close);
    this.#oi = oi;
    // Drop observations while the next one is also old enough to be the reference.
    const cut = t - this.#windowMs;
    const cap = this.#times.length;
    while (this.#size >= 2) {
      const next = this.#head + 1 === cap ? 0 : this.#head + 1;
      if (this.#times[next] > cut) break;
      this.#head = next;
      this.#size--;
    }
    const h = this.#head;
    if (this.#times[h] <= cut) {
      const refOi = this.#ois[h];
      const refClose = this.#closes[h];
      this.#oiPct = refOi > 0 ? ((oi - refOi) / refOi) * 100 : NaN;
      this.#pricePct = ((close - refClose) / refClose) * 100;
    } else {
      this.#oiPct = NaN;
      this.#pricePct = NaN;
    }
  }

  #store(t: number, oi: number, close: number): void {
    let cap = this.#times.length;
    if (this.#size > 0) {
      let last = this.#head + this.#size - 1;
      if (last >= cap) last -= cap;
      if (t - this.#times[last] < this.#resolution) return;
    }
    if (this.#size === cap) {
      if (cap < this.#maxSamples) {
        this.#grow();
        cap = this.#times.length;
      } else {
        // Unreachable while the spacing invariant holds; dropping the oldest keeps memory bounded.
        this.#head = this.#head + 1 === cap ? 0 : this.#head + 1;
        this.#size--;
      }
    }
    let i = this.#head + this.#size;
    if (i >= cap) i -= cap;
    this.#times[i] = t;
    this.#ois[i] = oi;
    this.#closes[i] = close;
    this.#size++;
  }

  #grow(): void {
    const cap = this.#times.length;
    const next = Math.min(cap * 2, this.#maxSamples);
    const times = new Float64Array(next);
    const ois = new Float64Array(next);
    const closes = new Float64Array(next);
    for (let k = 0; k < this.#size; k++) {
      let j = this.#head + k;
      if (j >= cap) j -= cap;
      times[k] = this.#times[j];
      ois[k] = this.#ois[j];
      closes[k] = this.#closes[j];
    }
    this.#times = times;
    this.#ois = ois;
    this.#closes = closes;
    this.#head = 0;
  }

  /** Latest open interest (NaN before any). */
  get openInterest(): number {
    return this.#oi;
  }

  /** OI change over the window in percent (NaN while the window is not covered or ref OI is 0). */
  get oiChangePct(): number {
    return this.#oiPct;
  }

  /** Close change over the same window in percent (NaN while the window is not covered). */
  get priceChangePct(): number {
    return this.#pricePct;
  }

  /** `oi`, `oi_change_pct` and `price_change_pct`; null until defined. */
  values(): IndicatorValues {
    return {
      oi: Number.isNaN(this.#oi) ? null : this.#oi,
      oi_change_pct: Number.isNaN(this.#oiPct) ? null : this.#oiPct,
      price_change_pct: Number.isNaN(this.#pricePct) ? null : this.#pricePct,
    };
  }
}

/**
 * The shared signal of a state's class per the original table, each rule returning its constant
 * (no look-up by state name per candle).
 */
function openInterestSignal(
  s: OpenInterestState,
  p: OpenInterestParams,
): Readonly<IndicatorSignal> {
  const oi = s.oiChangePct;
  const px = s.priceChangePct;
  if (Number.isNaN(oi) || Number.isNaN(px)) return OPEN_INTEREST_SIGNALS.Neutral;
  if (oi > p.thresholdPct) {
    return px > 0
      ? OPEN_INTEREST_SIGNALS.BullishExpansion
      : px < 0
      ? OPEN_INTEREST_SIGNALS.BearishExpansion
      : OPEN_INTEREST_SIGNALS.Neutral;
  }
  if (oi < -p.thresholdPct) {
    return px > 0
      ? OPEN_INTEREST_SIGNALS.ShortSqueeze
      : px < 0
      ? OPEN_INTEREST_SIGNALS.LongSqueeze
      : OPEN_INTEREST_SIGNALS.Neutral;
  }
  return OPEN_INTEREST_SIGNALS.Neutral;
}

/** Classifies a state per the original table; exported for tests and the CLI. */
export function classifyOpenInterest(
  s: OpenInterestState,
  p: OpenInterestParams,
): OpenInterestStateName {
  return openInterestSignal(s, p).state as OpenInterestStateName;
}

/** The open-interest indicator plugin (perp category). */
export default defineIndicator<OpenInterestParams, OpenInterestState>({
  id: "open_interest",
  category: "perp",
  description: "Open-interest change over a time window (1 h) against price direction",
  params: openInterestParams,
  outputs: ["oi", "oi_change_pct", "price_change_pct"],
  states: OPEN_INTEREST_STATES,
  warmup: () => 2,
  create: (p) => new OpenInterestState(p),
  evaluate: (s, p) => openInterestSignal(s, p),
});
