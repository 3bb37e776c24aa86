/**
 * Volume profile over the last `lookback` candles: point of control (POC) and the value area
 * (default 70 %), with support/resistance and high/low-volume-node states.
 *
 * Fixes the original's defects (perptrix-behaviour.md §2.9, §9.1.8):
 * - bins are relative to price: by default a fixed grid in log-price with rows `tickBps` basis
 *   points high (ticks are grouped, by the smallest whole number that fits, when the window would
 *   need more than `maxBins` rows); with `tickBps: 0`, `bins` rows over the lookback's low–high
 *   range;
 * - each candle's volume is spread uniformly over its [low, high] range (in log-price on the tick
 *   grid); a zero-range candle puts all of it in one bin;
 * - the POC tie-break is deterministic: among bins with equal volume (within 1e-9 relative) the
 *   **lowest price** wins;
 * - the value area grows from the POC by adding the larger neighbouring bin each step (the lower
 *   one on a tie) until it holds `valueArea` of the volume; VAH/VAL are its outer bin edges;
 * - "near the POC" is relative: within `nearBins` bin widths of the POC bin's centre;
 * - the mean bin volume (for HVN/LVN) is the window's volume over the rows from its lowest low to
 *   its highest high;
 * - NaN or negative input is rejected with a clear error instead of poisoning the histogram.
 *
 * Cost: on the tick grid rows never move, so `update` and `evaluate` are O(1) amortised (plus the
 * rows the entering and leaving candles cover; see `_volume_profile_grid.ts`). On range rows a
 * new or leaving extreme moves every row and costs a lazy O(lookback + bins) rebuild (see
 * `_volume_profile_range.ts`). The value area (VAH/VAL) is grown only when `values()` asks.
 * @module
 */
import { defineIndicator, type IndicatorSignal, z } from "perptrix";
import { frozenSignal } from "./_frozen_signal.ts";
import { GridVolumeProfile } from "./_volume_profile_grid.ts";
import { RangeVolumeProfile } from "./_volume_profile_range.ts";

/** Parameters. */
export const volumeProfileParams = z.strictObject({
  /** Candles in the profile. */
  lookback: z.number().int().min(2).max(10_000).default(240),
  /** Rows over the lookback's low–high range (used when `tickBps` is 0). */
  bins: z.number().int().min(2).max(2_000).default(50),
  /**
   * Row height in basis points of price (fixed log-price grid); 0 = `bins` rows over the range.
   * 5 bps puts the default 240-candle window at ~20 rows on a calm 1m BTC market (~8–40), ~30 on
   * a sideways 5m week, ~60–120 in 5m trends and ~300 on 1h, so nodes stay resolved without
   * one-trade rows; a fixed grid is what makes updates and evaluation O(1) amortised.
   */
  tickBps: z.number().min(0).max(1_000).default(5),
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

/**
 * The frozen signal of each state: the profile states return these objects themselves, so
 * `evaluate` needs no lookup by state name.
 */
export type VolumeProfileSignals = Readonly<
  Record<VolumeProfileStateName, Readonly<IndicatorSignal>>
>;

/** Shared frozen signals with the original scores and reasons (§3.1, volume). */
export const VOLUME_PROFILE_SIGNALS: VolumeProfileSignals = Object.freeze({
  POCSupport: frozenSignal("POCSupport", 1, "Price at POC support"),
  POCResistance: frozenSignal("POCResistance", -1, "Price at POC resistance"),
  NearHVN: frozenSignal("NearHVN", 0),
  NearLVN: frozenSignal("NearLVN", 0, "Near LVN - expect fast move"),
  Neutral: frozenSignal("Neutral", 0),
});

/**
 * Streaming volume-profile state for one (symbol, interval): the log tick grid by default, or
 * `bins` rows over the window's range with `tickBps: 0`.
 */
export type VolumeProfileState = GridVolumeProfile | RangeVolumeProfile;

/** The volume-profile indicator plugin (volume category). */
export default defineIndicator<VolumeProfileParams, VolumeProfileState>({
  id: "volume_profile",
  category: "volume",
  description: "Volume profile (range spread, relative bins): POC, value area, HVN/LVN",
  params: volumeProfileParams,
  outputs: ["poc", "vah", "val"],
  states: VOLUME_PROFILE_STATES,
  warmup: (p) => p.minCandles,
  create: (p): VolumeProfileState =>
    p.tickBps > 0
      ? new GridVolumeProfile(p, VOLUME_PROFILE_SIGNALS)
      : new RangeVolumeProfile(p, VOLUME_PROFILE_SIGNALS),
  evaluate: (s, p) => s.signal(p),
});
