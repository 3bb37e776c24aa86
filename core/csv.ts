/**
 * Candle and funding CSV parsing with line-numbered errors.
 *
 * Candle files: header `time,open,high,low,close,volume` (extra columns ignored), `time` in epoch
 * ms (open time). Funding files: header `time,rate`, a fraction per settlement.
 * @module
 */
import { type Candle, candleProblem } from "./candle.ts";
import type { FundingPoint } from "./market.ts";

/** A parse error that names the file line (1-based, header = line 1). */
export class CsvError extends Error {
  override name = "CsvError";
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
    const get = simple ? (i: number) => f[i] : (i: number) => f[idx[i]];
    if (f.length < (simple ? 6 : Math.max(...idx) + 1)) {
      throw new CsvError(line, `expected at least 6 fields, got ${f.length}: "${row}"`);
    }
    const c: Candle = {
      time: num(get(0), line, "time"),
      open: num(get(1), line, "open"),
      high: num(get(2), line, "high"),
      low: num(get(3), line, "low"),
      close: num(get(4), line, "close"),
      volume: num(get(5), line, "volume"),
    };
    const p = candleProblem(c);
    if (p !== undefined) throw new CsvError(line, p);
    if (c.time <= prev) {
      throw new CsvError(line, `time ${c.time} is not after the previous row's ${prev}`);
    }
    prev = c.time;
    out.push(c);
  }
  return out;
}

function num(s: string | undefined, line: number, field: string): number {
  if (s === undefined || s.trim() === "") throw new CsvError(line, `${field} is empty`);
  const n = Number(s);
  if (!Number.isFinite(n)) throw new CsvError(line, `${field} "${s}" is not a finite number`);
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
    const time = num(f[ti], i + 1, "time");
    const rate = num(f[ri], i + 1, "rate");
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
