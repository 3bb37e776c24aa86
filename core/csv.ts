/**
 * Candle and funding CSV parsing with line-numbered errors.
 *
 * Candle files: header `time,open,high,low,close,volume` (extra columns ignored), `time` in epoch
 * ms (open time). Funding files: header `time,rate`, a fraction per settlement. Numbers are
 * decimal or scientific notation only.
 *
 * The parsers check rows one by one; {@linkcode candleInterval} checks what a file's times say
 * as a whole (their unit and spacing) against the interval the candles are used as.
 * @module
 */
import { type Candle, candleProblem } from "./candle.ts";
import { type Interval, intervalMs, INTERVALS } from "./interval.ts";
import type { FundingPoint } from "./market.ts";

/** A parse error that names the file line (1-based, header = line 1). */
export class CsvError extends Error {
  /** `"CsvError"`: what logs and stack traces show instead of the generic `"Error"`. */
  override name = "CsvError";
  /** `line` is 1-based (header = 1) and prefixes the message. */
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

const CANDLE_COLUMNS = ["time", "open", "high", "low", "close", "volume"] as const;

function columnIndex(header: string, wanted: readonly string[]): number[] {
  const cols = header.trim().split(",").map((s) => s.trim().toLowerCase());
  return wanted.map((w) => {
    const i = cols.indexOf(w);
    if (i < 0) throw new CsvError(1, `header lacks column "${w}" (got "${header.trim()}")`);
    return i;
  });
}

/**
 * Parses candle CSV text. Rows must be valid candles in strictly increasing time order; the first
 * bad row throws a {@linkcode CsvError} with its line number. Blank lines are skipped.
 */
export function parseCandlesCsv(text: string): Candle[] {
  let pos = text.indexOf("\n");
  const header = pos < 0 ? text : text.slice(0, pos);
  const idx = columnIndex(header.replace(/^\uFEFF/, ""), CANDLE_COLUMNS);
  const simple = idx.every((v, i) => v === i);
  const out: Candle[] = [];
  let line = 1;
  let prev = -Infinity;
  while (pos >= 0 && pos < text.length) {
    const start = pos + 1;
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    line++;
    pos = end < text.length ? end : -1;
    let row = text.slice(start, end);
    if (row.endsWith("\r")) row = row.slice(0, -1);
    if (row.trim() === "") continue;
    const f = row.split(",");
    if (f.length < (simple ? 6 : Math.max(...idx) + 1)) {
      throw new CsvError(line, `expected at least 6 fields, got ${f.length}: "${row}"`);
    }
    const c: Candle = {
      time: num(f[idx[0]], line, "time", idx[0]),
      open: num(f[idx[1]], line, "open", idx[1]),
      high: num(f[idx[2]], line, "high", idx[2]),
      low: num(f[idx[3]], line, "low", idx[3]),
      close: num(f[idx[4]], line, "close", idx[4]),
      volume: num(f[idx[5]], line, "volume", idx[5]),
    };
    const p = candleProblem(c);
    if (p !== undefined) {
      if (c.time > Number.MAX_SAFE_INTEGER) {
        // "not a non-negative integer" would hide the likely cause: a file in nanoseconds.
        throw new CsvError(
          line,
          `time ${f[idx[0]]} is not epoch milliseconds (above 2^53: it looks like ` +
            "nanoseconds); convert the time column to epoch ms",
        );
      }
      throw new CsvError(line, p);
    }
    if (c.time <= prev) {
      throw new CsvError(line, `time ${c.time} is not after the previous row's ${prev}`);
    }
    prev = c.time;
    out.push(c);
  }
  return out;
}

/**
 * Decimal or scientific notation, the only number forms a data file or a numeric flag may use.
 * `Number()` alone also reads `0x10`, `0b1` and `0o7`, so a corrupt or foreign field would pass
 * as a plausible price or volume.
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Parses `s` (surrounding blanks allowed) as a decimal or scientific number; `NaN` for any other
 * notation (`0x10`, `0b1`, `Infinity`, `1_000`, empty). The result may still be infinite
 * (`1e999`), so callers check finiteness as they did with `Number()`.
 */
export function parseDecimal(s: string): number {
  const n = Number(s);
  return n === n && isDecimalNotation(s) ? n : NaN;
}

/**
 * True when `s`, which `Number()` reads as a number, is in decimal notation (blanks around it
 * allowed). A base prefix (`0x`, `0b`, `0o`) can only follow a `0` or blanks, so a field opening
 * with 1–9, the common case, is settled by one character code and the parser's happy path costs
 * no regular expression; a `0` needs a look at the second character; anything else (a sign, a
 * dot, a blank) goes through {@linkcode DECIMAL}.
 */
function isDecimalNotation(s: string): boolean {
  const a = s.charCodeAt(0);
  if (a >= 49 && a <= 57) return true; // 1-9
  if (a === 48) { // 0: not followed by x, b or o (any case)
    const b = s.charCodeAt(1) | 0x20;
    return b !== 0x78 && b !== 0x62 && b !== 0x6f;
  }
  return DECIMAL.test(s.trim());
}

/** Parses one field; `col` is its 0-based column, printed 1-based. */
function num(s: string | undefined, line: number, field: string, col: number): number {
  if (s === undefined || s.trim() === "") {
    throw new CsvError(line, `${field} is empty (column ${col + 1})`);
  }
  const n = Number(s);
  if (!Number.isFinite(n)) {
    throw new CsvError(line, `${field} "${s}" is not a finite number (column ${col + 1})`);
  }
  if (!isDecimalNotation(s)) {
    throw new CsvError(
      line,
      `${field} "${s}" is not a decimal number (column ${col + 1}; only decimal or scientific ` +
        "notation such as 12.5 or 1.25e1 is read)",
    );
  }
  return n;
}

/**
 * Parses a funding CSV (`time,rate`). `periodHours` is the venue's settlement period; when
 * omitted it is inferred from the median spacing of the rows (1 h on Hyperliquid, 8 h on Binance).
 */
export function parseFundingCsv(text: string, periodHours?: number): FundingPoint[] {
  const lines = text.split("\n");
  const [ti, ri] = columnIndex((lines[0] ?? "").replace(/^\uFEFF/, ""), ["time", "rate"]);
  const rows: { time: number; rate: number }[] = [];
  let prev = -Infinity;
  for (let i = 1; i < lines.length; i++) {
    const row = lines[i].replace(/\r$/, "");
    if (row.trim() === "") continue;
    const f = row.split(",");
    const time = num(f[ti], i + 1, "time", ti);
    const rate = num(f[ri], i + 1, "rate", ri);
    if (!Number.isSafeInteger(time) || time < 0) {
      throw new CsvError(i + 1, `time ${time} is not a non-negative integer`);
    }
    if (Math.abs(rate) > 1) throw new CsvError(i + 1, `rate ${rate} is outside [-1, 1]`);
    if (time <= prev) throw new CsvError(i + 1, `time ${time} is not after ${prev}`);
    prev = time;
    rows.push({ time, rate });
  }
  const period = periodHours ?? inferPeriodHours(rows.map((r) => r.time));
  return rows.map((r) => ({ time: r.time, rate: r.rate, periodHours: period }));
}

function inferPeriodHours(times: number[]): number {
  if (times.length < 2) return 1;
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
  gaps.sort((a, b) => a - b);
  const median = gaps[gaps.length >> 1];
  return Math.max(1, Math.round(median / 3_600_000));
}

/**
 * Earliest and latest `time` read as epoch milliseconds: 1e11 ms is March 1973, 1e14 ms is the
 * year 5138. Today's time in seconds (~1.7e9) falls below, in micro- or nanoseconds (~1.7e15,
 * ~1.7e18) above, so a file in the wrong unit is refused instead of being read as candles
 * centuries apart or milliseconds apart.
 */
export const EPOCH_MS_MIN = 1e11;
/** See {@linkcode EPOCH_MS_MIN}. */
export const EPOCH_MS_MAX = 1e14;

/** The candle times contradict the interval (or give none); the message names the lines. */
export class CandleTimeError extends Error {
  /** `"CandleTimeError"`: what logs and stack traces show instead of the generic `"Error"`. */
  override name = "CandleTimeError";
}

/** Candles of {@linkcode candleInterval} looked at to infer the interval from their spacing. */
const INFER_SAMPLE = 10_001;

/** `86400000` as `1d`, `5400000` as `1h30m`: spacing in the units a reader thinks in. */
function duration(ms: number): string {
  const exact = INTERVALS.find((i) => i !== "1M" && intervalMs(i) === ms);
  if (exact !== undefined) return exact;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]]) {
    const k = Math.floor(rest / (size as number));
    if (k > 0) parts.push(`${k}${unit}`);
    rest -= k * (size as number);
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return parts.join("");
}

/**
 * The interval of parsed candles (in time order, as {@linkcode parseCandlesCsv} returns them):
 * `given` once checked against the data, or else inferred from the median spacing of the first
 * 10,000 gaps (`1M` is never inferred). One rule for both, because a wrong interval is silent
 * otherwise: the engine takes `time + interval` as each candle's close, so an interval longer than
 * the spacing joins funding settled after the candle (look-ahead) and a shorter one shifts
 * every close.
 *
 * Refused with a {@linkcode CandleTimeError}:
 * - a first or last `time` outside {@linkcode EPOCH_MS_MIN}..{@linkcode EPOCH_MS_MAX} (seconds,
 *   micro- or nanoseconds rather than epoch ms);
 * - any spacing between consecutive candles below the interval or not a whole multiple of it
 *   (gaps of whole candles stay allowed); for `1M` any candle not opening a calendar month (UTC);
 * - data in which no two consecutive candles are one interval apart: with a shorter `given` that
 *   divides the real spacing, every spacing is a multiple, so this is the check that catches it.
 *
 * `lineOf(i)` gives the file line of candle `i` for the messages (default: header, no blank lines).
 */
export function candleInterval(
  candles: readonly Candle[],
  given?: Interval,
  lineOf: (i: number) => number = (i) => i + 2,
): Interval {
  const n = candles.length;
  if (n > 0) {
    const first = candles[0].time;
    const last = candles[n - 1].time;
    if (first < EPOCH_MS_MIN) {
      throw new CandleTimeError(
        `line ${lineOf(0)}: time ${first} is not epoch milliseconds (below 1e11 ms, ` +
          "before 1973: it looks like seconds); convert the time column to epoch ms",
      );
    }
    if (last >= EPOCH_MS_MAX) {
      throw new CandleTimeError(
        `line ${lineOf(n - 1)}: time ${last} is not epoch milliseconds (at or above 1e14 ms, ` +
          "after the year 5138: it looks like micro- or nanoseconds); " +
          "convert the time column to epoch ms",
      );
    }
  }
  let interval = given;
  if (interval === undefined) {
    if (n < 2) {
      throw new CandleTimeError("cannot infer the interval from < 2 candles; pass --interval");
    }
    const gaps: number[] = [];
    for (let i = 1; i < Math.min(n, INFER_SAMPLE); i++) {
      gaps.push(candles[i].time - candles[i - 1].time);
    }
    gaps.sort((a, b) => a - b);
    const median = gaps[gaps.length >> 1];
    interval = INTERVALS.find((i) => i !== "1M" && intervalMs(i) === median);
    if (interval === undefined) {
      throw new CandleTimeError(
        `cannot infer the interval (median spacing ${median} ms = ${duration(median)} is no ` +
          `interval of ${INTERVALS.join(", ")}); pass --interval`,
      );
    }
  }
  if (n < 2) return interval;
  if (interval === "1M") return monthly(candles, lineOf);
  const step = intervalMs(interval);
  let exact = false;
  let smallest = Infinity;
  let smallestAt = 1;
  for (let i = 1; i < n; i++) {
    const d = candles[i].time - candles[i - 1].time;
    if (d === step) {
      exact = true;
      continue;
    }
    if (d < step || d % step !== 0) {
      throw new CandleTimeError(
        `lines ${lineOf(i - 1)} and ${lineOf(i)}: candles ${d} ms (${duration(d)}) apart, ` +
          (d < step ? "below" : "not a whole multiple of") +
          ` the interval ${interval} (${step} ms); every spacing must be the interval or a ` +
          "gap of whole candles",
      );
    }
    if (d < smallest) {
      smallest = d;
      smallestAt = i;
    }
  }
  if (!exact) {
    throw new CandleTimeError(
      `no two consecutive candles are ${interval} apart (the closest are ${smallest} ms = ` +
        `${duration(smallest)} apart, lines ${lineOf(smallestAt - 1)} and ${lineOf(smallestAt)}` +
        `): these are not ${interval} candles`,
    );
  }
  return interval;
}

/**
 * {@linkcode candleInterval} for `1M`, whose length varies: every candle must open a calendar
 * month (UTC), which makes every spacing whole months, and two consecutive ones must be one month
 * apart.
 */
function monthly(candles: readonly Candle[], lineOf: (i: number) => number): Interval {
  let exact = false;
  for (let i = 0; i < candles.length; i++) {
    const d = new Date(candles[i].time);
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    if (candles[i].time !== start) {
      throw new CandleTimeError(
        `line ${lineOf(i)}: time ${candles[i].time} (${d.toISOString()}) does not open a ` +
          "calendar month (UTC), so these are not 1M candles",
      );
    }
    if (i > 0 && Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1) === candles[i - 1].time) {
      exact = true;
    }
  }
  if (!exact) {
    throw new CandleTimeError("no two consecutive candles are 1M apart: these are not 1M candles");
  }
  return "1M";
}

/**
 * The file line of data row `index` (0-based) of candle CSV `text`, counting lines the way
 * {@linkcode parseCandlesCsv} does (blank lines skipped): for error messages, so it scans.
 */
export function candleLine(text: string, index: number): number {
  let pos = text.indexOf("\n");
  let line = 1;
  let row = -1;
  while (pos >= 0 && pos < text.length) {
    const start = pos + 1;
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    line++;
    pos = end < text.length ? end : -1;
    if (text.slice(start, end).trim() !== "" && ++row === index) return line;
  }
  return index + 2;
}
