/**
 * Perp context: `activeAssetCtx` frames → {@linkcode PerpSnapshot}, `fundingHistory` rows →
 * {@linkcode FundingPoint}, and the funding/OI values attached to closed candles.
 * Hyperliquid funding is already a fraction per hour, so rates are used as they are.
 * @module
 */
import type { FundingPoint, PerpSnapshot, z } from "perptrix";
import type { ActiveAssetCtxData, FundingHistoryRow } from "./schemas.ts";

/** Hyperliquid settles funding every hour. */
export const FUNDING_PERIOD_HOURS = 1;

/**
 * Builds a snapshot from a validated `activeAssetCtx` payload received at `time`; returns a
 * reason string instead when a number is out of range (funding beyond the 4 %/h cap, negative OI).
 */
export function ctxToSnapshot(
  d: z.infer<typeof ActiveAssetCtxData>,
  time: number,
): PerpSnapshot | string {
  const fundingRate = Number(d.ctx.funding);
  const openInterest = Number(d.ctx.openInterest);
  const markPrice = Number(d.ctx.markPx);
  const oraclePrice = Number(d.ctx.oraclePx);
  if (!Number.isFinite(fundingRate) || Math.abs(fundingRate) > 0.04) {
    return `funding ${d.ctx.funding} is outside ±4 %/h`;
  }
  if (!(openInterest >= 0) || !Number.isFinite(openInterest)) {
    return `openInterest ${d.ctx.openInterest} is not a non-negative number`;
  }
  if (!(markPrice > 0) || !(oraclePrice > 0)) return "markPx/oraclePx not positive";
  const s: PerpSnapshot = {
    symbol: d.coin,
    time,
    fundingRate,
    openInterest,
    markPrice,
    oraclePrice,
  };
  if (d.ctx.premium != null) s.premium = Number(d.ctx.premium);
  return s;
}

/** Converts validated funding rows. */
export function toFundingPoints(
  rows: readonly z.infer<typeof FundingHistoryRow>[],
): FundingPoint[] {
  return rows.map((r) => ({
    time: r.time,
    rate: Number(r.fundingRate),
    periodHours: FUNDING_PERIOD_HOURS,
    premium: Number(r.premium),
  }));
}

/**
 * Per-symbol perp state used to annotate candles: live snapshots plus a bounded funding history,
 * so a closed candle carries the funding rate in force at its close and, when live, the OI.
 */
export class PerpState {
  #latest: PerpSnapshot | undefined;
  #history: FundingPoint[] = [];

  constructor(private readonly maxHistory = 10_000) {}

  /** The newest live snapshot. */
  get latest(): PerpSnapshot | undefined {
    return this.#latest;
  }

  /** Records a live snapshot (older ones than the current are ignored). */
  update(s: PerpSnapshot): boolean {
    if (this.#latest !== undefined && s.time < this.#latest.time) return false;
    this.#latest = s;
    return true;
  }

  /** Adds settlements (ascending); keeps the newest `maxHistory`. */
  addHistory(points: readonly FundingPoint[]): void {
    const h = this.#history;
    for (const p of points) {
      if (h.length === 0 || p.time > h[h.length - 1].time) h.push(p);
    }
    if (h.length > this.maxHistory) h.splice(0, h.length - this.maxHistory);
  }

  /** Settlements recorded so far, ascending. */
  history(): readonly FundingPoint[] {
    return this.#history;
  }

  /**
   * Funding rate and open interest to attach to a candle closing at `closeTime` (exclusive end):
   * the live snapshot when it was taken within `liveWindowMs` of the close, else the last
   * settlement at or before the close.
   */
  annotate(
    closeTime: number,
    liveWindowMs: number,
  ): { fundingRate?: number; openInterest?: number } {
    const s = this.#latest;
    if (s !== undefined && Math.abs(s.time - closeTime) <= liveWindowMs) {
      return { fundingRate: s.fundingRate, openInterest: s.openInterest };
    }
    const h = this.#history;
    let lo = 0, hi = h.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (h[mid].time <= closeTime) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 ? { fundingRate: h[found].rate / h[found].periodHours } : {};
  }
}
