/**
 * Perp context: `activeAssetCtx` frames → {@linkcode PerpSnapshot}, `fundingHistory` rows →
 * {@linkcode FundingPoint}, and the funding/OI values attached to closed candles.
 * Hyperliquid funding is already a fraction per hour, so rates are used as they are.
 * @module
 */
import {
  type Candle,
  candleProblem,
  type FundingPoint,
  fundingRateAt,
  type PerpSnapshot,
  type z,
} from "perptrix";
import type { ActiveAssetCtxData, FundingHistoryRow } from "./schemas.ts";

/** Hyperliquid settles funding every hour. */
export const FUNDING_PERIOD_HOURS = 1;
/** Hyperliquid caps funding at 4 % per hour (§6): a larger rate is not one the venue can pay. */
export const FUNDING_CAP_PER_HOUR = 0.04;

/** True for a finite rate within the venue's cap. */
function isFundingRate(x: number): boolean {
  return Number.isFinite(x) && Math.abs(x) <= FUNDING_CAP_PER_HOUR;
}

/** True for a positive finite price (the schema admits `"1e400"`, which parses to Infinity). */
function isPrice(x: number): boolean {
  return x > 0 && Number.isFinite(x);
}

/**
 * Builds a snapshot from a validated `activeAssetCtx` payload received at `time`; returns a
 * reason string instead when a number is out of range (not finite, funding beyond the 4 %/h cap,
 * negative OI, a price not positive).
 */
export function ctxToSnapshot(
  d: z.infer<typeof ActiveAssetCtxData>,
  time: number,
): PerpSnapshot | string {
  const fundingRate = Number(d.ctx.funding);
  const openInterest = Number(d.ctx.openInterest);
  const markPrice = Number(d.ctx.markPx);
  const oraclePrice = Number(d.ctx.oraclePx);
  if (!isFundingRate(fundingRate)) return `funding ${d.ctx.funding} is outside ±4 %/h`;
  if (!(openInterest >= 0) || !Number.isFinite(openInterest)) {
    return `openInterest ${d.ctx.openInterest} is not a non-negative finite number`;
  }
  if (!isPrice(markPrice) || !isPrice(oraclePrice)) {
    return `markPx ${d.ctx.markPx} / oraclePx ${d.ctx.oraclePx} not a positive finite price`;
  }
  const s: PerpSnapshot = {
    symbol: d.coin,
    time,
    fundingRate,
    openInterest,
    markPrice,
    oraclePrice,
  };
  if (d.ctx.premium != null) {
    const premium = Number(d.ctx.premium);
    if (!Number.isFinite(premium)) return `premium ${d.ctx.premium} is not finite`;
    s.premium = premium;
  }
  return s;
}

/**
 * Converts validated funding rows. Rows whose rate is not finite or beyond the 4 %/h cap, or
 * whose premium is not finite, are left out and reported through `onReject`.
 */
export function toFundingPoints(
  rows: readonly z.infer<typeof FundingHistoryRow>[],
  onReject?: (reason: string) => void,
): FundingPoint[] {
  const out: FundingPoint[] = [];
  for (const r of rows) {
    const rate = Number(r.fundingRate);
    const premium = Number(r.premium);
    if (!isFundingRate(rate)) {
      onReject?.(`fundingRate ${r.fundingRate} at ${r.time} is outside ±4 %/h`);
    } else if (!Number.isFinite(premium)) {
      onReject?.(`premium ${r.premium} at ${r.time} is not finite`);
    } else out.push({ time: r.time, rate, periodHours: FUNDING_PERIOD_HOURS, premium });
  }
  return out;
}

/**
 * `c` with each value of `extra` that keeps it a valid candle ({@linkcode candleProblem});
 * the others are reported through `onReject` and left off. Perp values are checked where they
 * are parsed; this last guard keeps a bad annotation from turning a good candle into one the
 * engine must refuse.
 */
export function annotateCandle(
  c: Candle,
  extra: { fundingRate?: number; openInterest?: number },
  onReject?: (reason: string) => void,
): Candle {
  let out = c;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) continue;
    const next = { ...out, [k]: v };
    const problem = candleProblem(next);
    if (problem === undefined) out = next;
    else onReject?.(problem);
  }
  return out;
}

/**
 * Per-symbol perp state used to annotate candles: recent live snapshots plus a bounded funding
 * history, so a closed candle carries the funding rate in force at its close and, when live, the
 * OI. Recent snapshots (one per `sampleEveryMs`, the newest `maxRecent`) are kept so a candle
 * delivered late (after a reconnect, by a REST sync) still gets the snapshot taken near its close
 * rather than whatever arrived last.
 */
export class PerpState {
  #latest: PerpSnapshot | undefined;
  #recent: PerpSnapshot[] = [];
  #history: FundingPoint[] = [];

  constructor(
    private readonly maxHistory = 10_000,
    private readonly sampleEveryMs = 5_000,
    private readonly maxRecent = 128,
  ) {}

  /** The newest live snapshot. */
  get latest(): PerpSnapshot | undefined {
    return this.#latest;
  }

  /** Records a live snapshot (older ones than the current are ignored). */
  update(s: PerpSnapshot): boolean {
    if (this.#latest !== undefined && s.time < this.#latest.time) return false;
    this.#latest = s;
    const r = this.#recent;
    if (r.length === 0 || s.time - r[r.length - 1].time >= this.sampleEveryMs) {
      r.push(s);
      // Trimmed in halves so the hot path stays O(1) amortised.
      if (r.length >= 2 * this.maxRecent) r.splice(0, r.length - this.maxRecent);
    }
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

  /** The kept snapshot taken nearest to `time` (the newest always counts), if any. */
  nearest(time: number): PerpSnapshot | undefined {
    const r = this.#recent;
    let lo = 0, hi = r.length - 1, after = r.length;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid].time >= time) {
        after = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    let best = this.#latest;
    for (const c of [r[after - 1], r[after]]) {
      if (
        c !== undefined &&
        (best === undefined || Math.abs(c.time - time) < Math.abs(best.time - time))
      ) {
        best = c;
      }
    }
    return best;
  }

  /**
   * Funding rate and open interest to attach to a candle closing at `closeTime` (exclusive end):
   * the live snapshot taken nearest the close when within `liveWindowMs` of it, else the last
   * settlement at or before the close unless it is stale (the engine's join rule, `fundingRateAt`).
   */
  annotate(
    closeTime: number,
    liveWindowMs: number,
  ): { fundingRate?: number; openInterest?: number } {
    const s = this.nearest(closeTime);
    if (s !== undefined && Math.abs(s.time - closeTime) <= liveWindowMs) {
      return { fundingRate: s.fundingRate, openInterest: s.openInterest };
    }
    const rate = fundingRateAt(this.#history, closeTime);
    return rate === undefined ? {} : { fundingRate: rate };
  }
}
