/**
 * The compact candle block the KV store keeps under one key: Float64 columns in one byte array,
 * so 256 candles cost one ~18 KiB value and the latest 500 are two or three gets.
 *
 * Layout (all float64, little-endian as the platform's typed arrays are on every Deno target):
 * `[version, count, flags, time×n, open×n, high×n, low×n, close×n, volume×n, optional columns]`
 * where flags bit 0/1/2 say whether trades / fundingRate / openInterest columns follow. Inside a
 * present optional column, NaN means "absent for this candle" (a validated candle is never NaN).
 * @module
 */
import type { Candle } from "perptrix";

const VERSION = 1;
const HEADER = 3;
const TRADES = 1;
const FUNDING = 2;
const OI = 4;

/** Deno KV's value size limit. */
export const KV_VALUE_LIMIT = 65_536;

/** Bytes a block of `n` candles takes with every optional column present. */
export function blockBytes(n: number): number {
  return (HEADER + 9 * n) * 8;
}

/** Most candles one block can hold under the KV value limit. */
export const BLOCK_CAPACITY = Math.floor((KV_VALUE_LIMIT / 8 - HEADER) / 9);

/** Thrown when stored bytes are not a block this code wrote. */
export class BlockDecodeError extends Error {
  override name = "BlockDecodeError";
}

/** Encodes time-sorted candles into one block value. */
export function encodeBlock(rows: readonly Candle[]): Uint8Array {
  const n = rows.length;
  let flags = 0;
  for (const c of rows) {
    if (c.trades !== undefined) flags |= TRADES;
    if (c.fundingRate !== undefined) flags |= FUNDING;
    if (c.openInterest !== undefined) flags |= OI;
  }
  const cols = 6 + (flags & TRADES ? 1 : 0) + (flags & FUNDING ? 1 : 0) + (flags & OI ? 1 : 0);
  const f = new Float64Array(HEADER + cols * n);
  f[0] = VERSION;
  f[1] = n;
  f[2] = flags;
  let o = HEADER;
  for (let i = 0; i < n; i++) f[o + i] = rows[i].time;
  o += n;
  for (let i = 0; i < n; i++) f[o + i] = rows[i].open;
  o += n;
  for (let i = 0; i < n; i++) f[o + i] = rows[i].high;
  o += n;
  for (let i = 0; i < n; i++) f[o + i] = rows[i].low;
  o += n;
  for (let i = 0; i < n; i++) f[o + i] = rows[i].close;
  o += n;
  for (let i = 0; i < n; i++) f[o + i] = rows[i].volume;
  o += n;
  if (flags & TRADES) {
    for (let i = 0; i < n; i++) f[o + i] = rows[i].trades ?? NaN;
    o += n;
  }
  if (flags & FUNDING) {
    for (let i = 0; i < n; i++) f[o + i] = rows[i].fundingRate ?? NaN;
    o += n;
  }
  if (flags & OI) {
    for (let i = 0; i < n; i++) f[o + i] = rows[i].openInterest ?? NaN;
  }
  return new Uint8Array(f.buffer);
}

/** Decodes a block into candles, ascending by time. */
export function decodeBlock(bytes: Uint8Array): Candle[] {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength % 8 !== 0 || bytes.byteLength < 24) {
    throw new BlockDecodeError("candle block has a wrong size or type");
  }
  const f = bytes.byteOffset % 8 === 0
    ? new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)
    : new Float64Array(bytes.slice().buffer);
  const n = f[1];
  const flags = f[2];
  const cols = 6 + (flags & TRADES ? 1 : 0) + (flags & FUNDING ? 1 : 0) + (flags & OI ? 1 : 0);
  if (f[0] !== VERSION || !Number.isInteger(n) || f.length !== HEADER + cols * n) {
    throw new BlockDecodeError(`candle block header is invalid (version ${f[0]}, count ${n})`);
  }
  const out: Candle[] = new Array(n);
  const t = HEADER, op = t + n, hi = op + n, lo = hi + n, cl = lo + n, vo = cl + n;
  let next = vo + n;
  const tr = flags & TRADES ? next : -1;
  if (tr >= 0) next += n;
  const fu = flags & FUNDING ? next : -1;
  if (fu >= 0) next += n;
  const oi = flags & OI ? next : -1;
  for (let i = 0; i < n; i++) {
    const c: Candle = {
      time: f[t + i],
      open: f[op + i],
      high: f[hi + i],
      low: f[lo + i],
      close: f[cl + i],
      volume: f[vo + i],
    };
    if (tr >= 0 && !Number.isNaN(f[tr + i])) c.trades = f[tr + i];
    if (fu >= 0 && !Number.isNaN(f[fu + i])) c.fundingRate = f[fu + i];
    if (oi >= 0 && !Number.isNaN(f[oi + i])) c.openInterest = f[oi + i];
    out[i] = c;
  }
  return out;
}
