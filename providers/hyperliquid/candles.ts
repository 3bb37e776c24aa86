/**
 * Candle close detection for one (coin, interval) series: turns the stream of cumulative
 * "current state of bucket t" updates (§3.6) plus REST snapshots into closed candles delivered
 * exactly once, in time order, with final OHLCV.
 *
 * The series keeps a `cursor`: every bucket opening before it is settled (delivered, or known to
 * have had no trades). Updates at or after the cursor wait in `pending` until they are final:
 * - a later bucket arrived on the same live connection → the WebSocket state is final;
 * - otherwise (silent stream, disconnect, gap) the provider runs a REST sync, whose rows win.
 * A bucket that ended with no update at all is empty only if the stream was live for its whole
 * life; while the stream is down (or before it was acknowledged) every bucket that ends is settled
 * by a REST sync, so an outage delays nothing beyond the REST round trip and loses nothing.
 * Pure and clock-free: callers pass `now`, so tests drive it with any clock.
 * @module
 */
import { type Candle, type Interval, intervalMs, nextOpenTime } from "perptrix";
import type { WireCandle } from "./schemas.ts";

/** Converts a validated wire candle to a {@linkcode Candle} (prices parsed from strings). */
export function wireToCandle(w: WireCandle): Candle {
  return {
    time: w.t,
    open: Number(w.o),
    high: Number(w.h),
    low: Number(w.l),
    close: Number(w.c),
    volume: Number(w.v),
    trades: w.n,
  };
}

/** Open time of the bucket containing `time` (epoch-aligned: weeks open on Thursdays, as at HL). */
export function bucketOpen(interval: Interval, time: number): number {
  if (interval === "1M") {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const step = intervalMs(interval);
  return Math.floor(time / step) * step;
}

/**
 * Why a wire candle cannot be a bucket of `interval` at `now`, or undefined when it can: `t` off
 * the bucket grid, `T` other than the bucket's last millisecond (`T = t + interval − 1`, §2.1 and
 * every recorded sample), or `t` more than one interval ahead of `now`. Such a row, once applied,
 * would move the series' cursor past every real bucket (or between two of them).
 */
export function wireTimeProblem(
  w: WireCandle,
  interval: Interval,
  now: number,
): string | undefined {
  if (bucketOpen(interval, w.t) !== w.t) return `t ${w.t} is not a ${interval} bucket boundary`;
  const last = nextOpenTime(interval, w.t) - 1;
  if (w.T !== last) return `T ${w.T} is not t + ${interval} − 1 (${last})`;
  if (w.t - now > intervalMs(interval)) {
    return `t ${w.t} is more than one ${interval} ahead of the clock (${now}); if every frame ` +
      "says so, this machine's clock is behind: synchronise it (NTP)";
  }
  return undefined;
}

/** What {@linkcode CandleSeries.apply} did with an update. */
export type ApplyOutcome = "applied" | "duplicate" | "stale";

interface Pending {
  candle: Candle;
  /** Seen on the current connection (its state can be trusted once a later bucket arrives). */
  fresh: boolean;
  /** A later bucket arrived after this one's last fresh update. */
  closedByNext: boolean;
  /** REST syncs that did not return this bucket although it had closed. */
  misses: number;
}

/** The result of a drain: candles to deliver now, and whether a REST sync is needed. */
export interface DrainResult {
  ready: Candle[];
  needSync: boolean;
}

/** Most pending buckets kept; beyond that the oldest is dropped (a REST sync recovers it). */
const MAX_PENDING = 64;
/** REST syncs that may miss a closed bucket before the WebSocket state is taken as final. */
const MAX_MISSES = 3;

/** Close detection and ordering for one series. */
export class CandleSeries {
  /** Open time of the first bucket not yet settled. */
  cursor: number;
  /** A REST sync is in flight; nothing is delivered meanwhile. */
  syncing = false;
  /** Clock time from which the live subscription has been acknowledged (∞ when down). */
  liveSince = Infinity;
  /** Buckets ending at or before this time are settled by the last REST sync. */
  settledThrough = -Infinity;
  /** Set for the first sync: deliver only this many of the newest closed REST rows. */
  backfillLimit: number | undefined;
  readonly #pending = new Map<number, Pending>();
  /** Pending open times, ascending. */
  #order: number[] = [];
  #latest: Candle | undefined;
  /** Newest open time whose stream state was discarded by the pending cap (needs REST). */
  #discarded = -Infinity;

  constructor(
    readonly symbol: string,
    readonly interval: Interval,
    startCursor: number,
    readonly graceMs: number,
    backfillLimit?: number,
  ) {
    this.cursor = startCursor;
    this.backfillLimit = backfillLimit;
  }

  /** True when the bucket opening at `t` has ended by `now` (plus the grace for late frames). */
  isClosed(t: number, now: number): boolean {
    return nextOpenTime(this.interval, t) + this.graceMs <= now;
  }

  /** The newest bucket seen, if it may still be open at `now`. */
  openCandle(now: number): Candle | undefined {
    const c = this.#latest;
    return c !== undefined && c.time >= this.cursor && nextOpenTime(this.interval, c.time) > now
      ? c
      : undefined;
  }

  /**
   * Applies one validated WebSocket update. Updates before the cursor are stale; an update that
   * shrinks the cumulative volume or trade count of its bucket is out of order and ignored.
   */
  apply(c: Candle): ApplyOutcome {
    if (c.time < this.cursor) return "stale";
    const p = this.#pending.get(c.time);
    if (p !== undefined) {
      const prev = p.candle;
      if (c.volume < prev.volume || (c.trades ?? 0) < (prev.trades ?? 0)) return "stale";
      const same = c.volume === prev.volume && c.trades === prev.trades &&
        c.close === prev.close && c.high === prev.high && c.low === prev.low &&
        c.open === prev.open;
      if (same && p.fresh) return "duplicate";
      p.candle = c;
      p.fresh = true;
      p.closedByNext = false;
    } else {
      this.#pending.set(c.time, { candle: c, fresh: true, closedByNext: false, misses: 0 });
      this.#insertOrder(c.time);
    }
    for (const t of this.#order) {
      if (t >= c.time) break;
      const q = this.#pending.get(t)!;
      if (q.fresh) q.closedByNext = true;
    }
    if (this.#latest === undefined || c.time >= this.#latest.time) this.#latest = c;
    return "applied";
  }

  #insertOrder(t: number): void {
    const o = this.#order;
    let i = o.length;
    while (i > 0 && o[i - 1] > t) i--;
    o.splice(i, 0, t);
    if (o.length > MAX_PENDING) {
      const t = o.shift()!;
      this.#pending.delete(t);
      this.#discarded = Math.max(this.#discarded, t);
    }
  }

  #dropFirst(): void {
    this.#pending.delete(this.#order.shift()!);
  }

  /** The connection carrying this series dropped: nothing pending can be trusted any more. */
  disconnected(): void {
    this.liveSince = Infinity;
    for (const p of this.#pending.values()) {
      p.fresh = false;
      p.closedByNext = false;
    }
  }

  /**
   * True when buckets from `from` on would have reached us over the stream had they had trades:
   * the subscription was acknowledged (plus the grace) before they opened, and no stream state of
   * theirs was discarded.
   */
  #streamCovers(from: number): boolean {
    return this.liveSince + this.graceMs <= from && this.#discarded < from;
  }

  /**
   * True when a bucket at or after the cursor ended by `now − grace` without any stream update,
   * the stream was not live for its whole life, and no REST sync has settled it yet: only REST can
   * tell whether it had trades (this is what recovers candles that close during an outage).
   */
  #closedUnseen(now: number): boolean {
    const b = bucketOpen(this.interval, this.cursor);
    let first = b < this.cursor ? nextOpenTime(this.interval, b) : b;
    if (this.settledThrough >= first) first = bucketOpen(this.interval, this.settledThrough);
    return !this.#streamCovers(first) && this.isClosed(first, now);
  }

  /** Delivers what is final at `now`; says when a REST sync must settle the rest. */
  drain(now: number): DrainResult {
    const ready: Candle[] = [];
    if (this.syncing || this.backfillLimit !== undefined) {
      return { ready, needSync: !this.syncing };
    }
    for (let guard = 0; guard <= MAX_PENDING && this.#order.length > 0; guard++) {
      const t = this.#order[0];
      const p = this.#pending.get(t)!;
      if (t < this.cursor) {
        this.#dropFirst();
        continue;
      }
      if (t > this.cursor) {
        // Buckets between the cursor and t had no update. They are empty when REST settled
        // them, or when the subscription was live (with margin) for their whole life.
        if (t <= this.settledThrough || (p.fresh && this.#streamCovers(this.cursor))) {
          this.cursor = t;
        } else return { ready, needSync: true };
      }
      if (p.closedByNext) {
        ready.push(p.candle);
        this.cursor = nextOpenTime(this.interval, t);
        this.#dropFirst();
        continue;
      }
      if (!this.isClosed(t, now)) return { ready, needSync: false };
      if (p.misses >= (p.fresh ? MAX_MISSES : 2 * MAX_MISSES)) {
        // REST keeps not listing a bucket the stream showed: take the stream's last state.
        ready.push(p.candle);
        this.cursor = nextOpenTime(this.interval, t);
        this.#dropFirst();
        continue;
      }
      return { ready, needSync: true };
    }
    return { ready, needSync: this.#order.length === 0 && this.#closedUnseen(now) };
  }

  /**
   * Applies a REST snapshot fetched at `fetchedAt` (rows ascending). Closed rows at or after the
   * cursor are delivered (REST wins over stream state); buckets that ended by `fetchedAt − grace`
   * without a row are settled as empty. Returns the candles to deliver, in order.
   */
  settle(rows: readonly Candle[], fetchedAt: number): Candle[] {
    const ready: Candle[] = [];
    const settledThrough = fetchedAt - this.graceMs;
    let closedRows = rows.filter((r) =>
      r.time >= this.cursor && nextOpenTime(this.interval, r.time) <= settledThrough
    );
    if (this.backfillLimit !== undefined) {
      closedRows = closedRows.slice(Math.max(0, closedRows.length - this.backfillLimit));
      this.backfillLimit = undefined;
    }
    for (const r of closedRows) {
      if (r.time < this.cursor) continue;
      ready.push(r);
      this.cursor = nextOpenTime(this.interval, r.time);
    }
    this.settledThrough = Math.max(this.settledThrough, settledThrough);
    // Pending buckets that closed before the fetch but that REST did not list: count a miss.
    for (const t of this.#order) {
      if (t >= this.cursor && nextOpenTime(this.interval, t) <= settledThrough) {
        this.#pending.get(t)!.misses++;
      }
    }
    return ready;
  }
}
