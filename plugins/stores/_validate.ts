/**
 * Input checks every store runs before writing: a whole batch is validated first, so a bad row
 * rejects the batch and nothing of it is written.
 * @module
 */
import {
  type Candle,
  CandleError,
  candleProblem,
  type Interval,
  isInterval,
  type RangeQuery,
  type SignalRecord,
  type StrategyDoc,
} from "perptrix";

/** A malformed store argument (symbol, interval, range, signal or strategy). */
export class StoreInputError extends Error {
  override name = "StoreInputError";
}

const SYMBOL = /^[A-Za-z0-9:_\-./]{1,64}$/;

/** Throws unless `symbol` is a plain market name and `interval` a known interval. */
export function checkSeries(symbol: unknown, interval: unknown): asserts interval is Interval {
  if (typeof symbol !== "string" || !SYMBOL.test(symbol)) {
    throw new StoreInputError(
      `symbol ${JSON.stringify(symbol)} is not 1-64 letters, digits or ':_-./'`,
    );
  }
  if (!isInterval(interval)) {
    throw new StoreInputError(`interval ${JSON.stringify(interval)} is not a known interval`);
  }
}

/**
 * Validates a candle batch; the error names the series, the index and the problem.
 * Returns the candles sorted by time with duplicates collapsed (the later one in the batch wins).
 */
export function checkCandleBatch(
  symbol: string,
  interval: Interval,
  candles: readonly Candle[],
): Candle[] {
  checkSeries(symbol, interval);
  if (!Array.isArray(candles)) {
    throw new StoreInputError(`${symbol} ${interval}: candles must be an array`);
  }
  let sorted = true;
  for (let i = 0; i < candles.length; i++) {
    const p = candleProblem(candles[i]);
    if (p !== undefined) throw new CandleError(`${symbol} ${interval} candle[${i}]: ${p}`);
    if (i > 0 && candles[i].time <= candles[i - 1].time) sorted = false;
  }
  const out = candles.map(copyCandle);
  if (sorted) return out;
  const byTime = new Map<number, Candle>();
  for (const c of out) byTime.set(c.time, c);
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

/** A copy holding only the candle fields, so a store never aliases a caller's object. */
export function copyCandle(c: Candle): Candle {
  const out: Candle = {
    time: c.time,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
  };
  if (c.trades !== undefined) out.trades = c.trades;
  if (c.fundingRate !== undefined) out.fundingRate = c.fundingRate;
  if (c.openInterest !== undefined) out.openInterest = c.openInterest;
  return out;
}

/** A range query with defaults filled in: inclusive `from`/`to` and an optional `limit`. */
export interface Range {
  from: number;
  to: number;
  limit: number | undefined;
  /** True when the query asked for the newest `limit` rows (a limit and no `from`). */
  newest: boolean;
}

/** Largest row count one query may ask for. */
export const MAX_LIMIT = 1_000_000;

/** Validates a range query; negative, fractional or inverted bounds are errors. */
export function checkRange(q: RangeQuery | undefined): Range {
  const { from, to, limit } = q ?? {};
  for (const [name, v] of [["from", from], ["to", to]] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
      throw new StoreInputError(`range ${name} ${v} is not a non-negative integer (epoch ms)`);
    }
  }
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT)) {
    throw new StoreInputError(`range limit ${limit} is not an integer in 1..${MAX_LIMIT}`);
  }
  const f = from ?? 0;
  const t = to ?? Number.MAX_SAFE_INTEGER;
  if (f > t) throw new StoreInputError(`range from ${f} is after to ${t}`);
  return { from: f, to: t, limit, newest: limit !== undefined && from === undefined };
}

/** Validates a count for `latestCandles`. */
export function checkCount(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_LIMIT) {
    throw new StoreInputError(`count ${n} is not an integer in 0..${MAX_LIMIT}`);
  }
  return n;
}

const DIRECTIONS = new Set(["Long", "Short", "Neutral"]);
const BIASES = new Set(["StrongBullish", "Bullish", "Neutral", "Bearish", "StrongBearish"]);
const RISKS = new Set(["Low", "Medium", "High"]);

function finiteOrNull(v: unknown): boolean {
  return v === null || (typeof v === "number" && Number.isFinite(v));
}

/** Returns why a signal record cannot be stored, or undefined when it is fine. */
export function signalProblem(s: SignalRecord): string | undefined {
  if (s === null || typeof s !== "object") return "signal is not an object";
  if (typeof s.symbol !== "string" || !SYMBOL.test(s.symbol)) {
    return `symbol ${JSON.stringify(s.symbol)} is invalid`;
  }
  if (!isInterval(s.interval)) return `interval ${JSON.stringify(s.interval)} is invalid`;
  if (!Number.isSafeInteger(s.time) || s.time < 0) return `time ${s.time} is not an epoch ms`;
  if (typeof s.strategy !== "string" || s.strategy.length === 0 || s.strategy.length > 128) {
    return `strategy ${JSON.stringify(s.strategy)} is not a 1-128 character string`;
  }
  if (!(s.price > 0) || !Number.isFinite(s.price)) return `price ${s.price} is not positive`;
  if (!Number.isFinite(s.score)) return `score ${s.score} is not finite`;
  if (!Number.isFinite(s.confidence)) return `confidence ${s.confidence} is not finite`;
  if (!DIRECTIONS.has(s.direction)) return `direction ${JSON.stringify(s.direction)} is invalid`;
  if (!BIASES.has(s.bias)) return `bias ${JSON.stringify(s.bias)} is invalid`;
  if (!RISKS.has(s.risk)) return `risk ${JSON.stringify(s.risk)} is invalid`;
  for (const k of ["sl_pct", "tp_pct", "sl_price", "tp_price"] as const) {
    if (!finiteOrNull(s[k])) return `${k} ${s[k]} is neither null nor finite`;
  }
  if (!Array.isArray(s.categories)) return "categories is not an array";
  if (!Array.isArray(s.reasons)) return "reasons is not an array";
  if (typeof s.engine_version !== "string") return "engine_version is not a string";
  return undefined;
}

/** Validates a signal batch; the error names the index and the problem. Returns deep copies. */
export function checkSignalBatch(signals: readonly SignalRecord[]): SignalRecord[] {
  if (!Array.isArray(signals)) throw new StoreInputError("signals must be an array");
  const out: SignalRecord[] = new Array(signals.length);
  for (let i = 0; i < signals.length; i++) {
    const p = signalProblem(signals[i]);
    if (p !== undefined) throw new StoreInputError(`signal[${i}]: ${p}`);
    try {
      out[i] = structuredClone(signals[i]);
    } catch (e) {
      throw new StoreInputError(`signal[${i}]: cannot be copied: ${(e as Error).message}`);
    }
  }
  return out;
}

/** Validates a strategy document. Returns a deep copy. */
export function checkStrategy(doc: StrategyDoc): StrategyDoc {
  if (doc === null || typeof doc !== "object") {
    throw new StoreInputError("strategy is not an object");
  }
  if (typeof doc.id !== "string" || !/^[A-Za-z0-9_\-.:]{1,128}$/.test(doc.id)) {
    throw new StoreInputError(`strategy id ${JSON.stringify(doc.id)} is not 1-128 safe characters`);
  }
  if (doc.name !== undefined && typeof doc.name !== "string") {
    throw new StoreInputError(`strategy ${doc.id}: name is not a string`);
  }
  for (const k of ["created_at", "updated_at"] as const) {
    if (!Number.isSafeInteger(doc[k]) || doc[k] < 0) {
      throw new StoreInputError(`strategy ${doc.id}: ${k} ${doc[k]} is not an epoch ms`);
    }
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(doc.config);
  } catch (e) {
    throw new StoreInputError(`strategy ${doc.id}: config is not JSON: ${(e as Error).message}`);
  }
  if (json === undefined) throw new StoreInputError(`strategy ${doc.id}: config is missing`);
  const out: StrategyDoc = {
    id: doc.id,
    config: JSON.parse(json),
    created_at: doc.created_at,
    updated_at: doc.updated_at,
  };
  if (doc.name !== undefined) out.name = doc.name;
  return out;
}

/** Key of a signal within its series: time then strategy. */
export function signalKey(s: Pick<SignalRecord, "time" | "strategy">): string {
  return `${s.time}\u0000${s.strategy}`;
}

/** Orders signals newest first (ties: strategy name descending, for a stable order). */
export function newestFirst(a: SignalRecord, b: SignalRecord): number {
  if (a.time !== b.time) return b.time - a.time;
  return a.strategy < b.strategy ? 1 : a.strategy > b.strategy ? -1 : 0;
}
