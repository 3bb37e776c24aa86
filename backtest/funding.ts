/**
 * Funding settlements as cash flows. A perp position pays (or receives) `notional × rate` at every
 * settlement it is open for: a long pays a positive rate, a short receives it. The rates are the
 * venue's real per-settlement rates (hourly on Hyperliquid, 8-hourly on Binance), not the per-hour
 * normalised rate the signal engine reads from candles.
 * @module
 */

/** A funding settlement: when it happened and its rate for that settlement (a fraction). */
export interface Settlement {
  time: number;
  rate: number;
}

/** Bad funding input; the message names the row (0-based index) and the value. */
export class FundingInputError extends Error {
  override name = "FundingInputError";
}

/**
 * Cash paid by a position at one settlement: positive = paid, negative = received.
 * `side` is +1 for long and −1 for short; `price` values the notional at that moment.
 */
export function fundingPayment(side: number, qty: number, price: number, rate: number): number {
  return side * qty * price * rate;
}

/**
 * A forward-only cursor over settlements sorted by time. The trading model consumes them as
 * candles pass, so each settlement is applied at most once and never before its time.
 */
export class SettlementCursor {
  readonly #times: Float64Array;
  readonly #rates: Float64Array;
  #i = 0;

  /** Validates the rows: safe-integer times, strictly increasing, finite rates within ±1. */
  constructor(settlements: readonly Settlement[]) {
    const n = settlements.length;
    this.#times = new Float64Array(n);
    this.#rates = new Float64Array(n);
    let prev = -Infinity;
    for (let i = 0; i < n; i++) {
      const s = settlements[i];
      const t = s?.time;
      const r = s?.rate;
      if (!Number.isSafeInteger(t) || t < 0) {
        throw new FundingInputError(`funding row ${i}: time ${t} is not a non-negative integer`);
      }
      if (t <= prev) {
        throw new FundingInputError(
          `funding row ${i}: time ${t} is not after the previous ${prev}`,
        );
      }
      if (typeof r !== "number" || !Number.isFinite(r) || Math.abs(r) > 1) {
        throw new FundingInputError(
          `funding row ${i}: rate ${r} is not a finite number in [-1, 1]`,
        );
      }
      this.#times[i] = t;
      this.#rates[i] = r;
      prev = t;
    }
  }

  /** Number of settlements. */
  get length(): number {
    return this.#times.length;
  }

  /** Time of the next unconsumed settlement, `Infinity` when none is left. */
  get nextTime(): number {
    return this.#i < this.#times.length ? this.#times[this.#i] : Infinity;
  }

  /** Rate of the next unconsumed settlement (NaN when none is left), then moves past it. */
  take(): number {
    if (this.#i >= this.#rates.length) return NaN;
    return this.#rates[this.#i++];
  }
}
