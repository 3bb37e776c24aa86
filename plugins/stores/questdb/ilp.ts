/**
 * InfluxDB line protocol encoding of the store's three row kinds, byte-compatible with what
 * `@questdb/nodejs-client`'s Sender writes (same escaping, v1 text doubles, v2 binary doubles,
 * designated timestamps as v1 nanoseconds / v2 `t` microseconds). It exists for speed: the
 * client's buffer writes one character at a time through Deno's node:buffer shim (about 36k rows/s
 * here), this writes straight into a Uint8Array (see bench/stores_bench.ts). Sending still goes
 * through the client's HTTP transport.
 * @module
 */
import type { Candle, SignalRecord, StrategyDoc } from "perptrix";

const enc = new TextEncoder();
const DOUBLE_TYPE = 16;

/** Encodes rows into one growing byte buffer. */
export class IlpEncoder {
  readonly version: 1 | 2;
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  #rows = 0;
  #names = new Map<string, Uint8Array>();

  constructor(version: 1 | 2, initialBytes = 1 << 20) {
    this.version = version;
    this.#buf = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Rows encoded since the last reset. */
  get rows(): number {
    return this.#rows;
  }

  /** The encoded bytes (a view, valid until the next write or reset). */
  get bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /** Forgets everything encoded. */
  reset(): void {
    this.#pos = 0;
    this.#rows = 0;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
  }

  /** Writes text that needs no escaping (numbers, fixed names). */
  #ascii(s: string): void {
    this.#ensure(s.length);
    const b = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.#pos = p;
  }

  /** Writes `s` escaped as the client does: names/symbols (quoted=false) or string values. */
  #escaped(s: string, quoted: boolean): void {
    this.#ensure(s.length * 2);
    const b = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // Non-ASCII: fall back to the encoder for the rest of the string.
        this.#pos = p;
        this.#escapedUtf8(s.slice(i), quoted);
        return;
      }
      if (c === 0x5c) {
        b[p++] = 0x5c;
        b[p++] = 0x5c;
        continue;
      }
      if (
        c === 0x0a || c === 0x0d || (quoted ? c === 0x22 : (c === 0x20 || c === 0x2c || c === 0x3d))
      ) {
        b[p++] = 0x5c;
      }
      b[p++] = c;
    }
    this.#pos = p;
  }

  #escapedUtf8(s: string, quoted: boolean): void {
    const escapedText = s.replace(
      quoted ? /[\\"\n\r]/g : /[\\ ,=\n\r]/g,
      (ch) => (ch === "\\" ? "\\\\" : `\\${ch}`),
    );
    const bytes = enc.encode(escapedText);
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  #name(sep: string, name: string): void {
    const key = sep + name;
    let bytes = this.#names.get(key);
    if (!bytes) {
      bytes = enc.encode(`${sep}${name}=`);
      this.#names.set(key, bytes);
    }
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  #table(table: string): void {
    this.#escaped(table, false);
  }

  #symbol(name: string, value: string): void {
    this.#name(",", name);
    this.#escaped(value, false);
  }

  #double(first: boolean, name: string, v: number): void {
    this.#name(first ? " " : ",", name);
    if (this.version === 1) {
      this.#ascii(String(v));
      return;
    }
    this.#ensure(10);
    this.#buf[this.#pos++] = 0x3d;
    this.#buf[this.#pos++] = DOUBLE_TYPE;
    this.#view.setFloat64(this.#pos, v, true);
    this.#pos += 8;
  }

  #long(name: string, v: number): void {
    this.#name(",", name);
    this.#ascii(`${v}i`);
  }

  #string(name: string, v: string): void {
    this.#name(",", name);
    this.#byte(0x22);
    this.#escaped(v, true);
    this.#byte(0x22);
  }

  #boolean(name: string, v: boolean): void {
    this.#name(",", name);
    this.#byte(v ? 0x74 : 0x66);
  }

  /** Ends the row with the designated timestamp, `ms` epoch milliseconds. */
  #at(ms: number): void {
    this.#ascii(this.version === 1 ? ` ${ms}000000\n` : ` ${ms}000t\n`);
    this.#rows++;
  }

  /** One `candles` row. */
  candle(symbol: string, interval: string, c: Candle): void {
    this.#table("candles");
    this.#symbol("symbol", symbol);
    this.#symbol("interval", interval);
    this.#double(true, "open", c.open);
    this.#double(false, "high", c.high);
    this.#double(false, "low", c.low);
    this.#double(false, "close", c.close);
    this.#double(false, "volume", c.volume);
    if (c.trades !== undefined) this.#long("trades", c.trades);
    if (c.fundingRate !== undefined) this.#double(false, "funding_rate", c.fundingRate);
    if (c.openInterest !== undefined) this.#double(false, "open_interest", c.openInterest);
    this.#at(c.time);
  }

  /** One `signals` row; null SL/TP fields are left out (stored as NULL). */
  signal(s: SignalRecord): void {
    this.#table("signals");
    this.#symbol("symbol", s.symbol);
    this.#symbol("interval", s.interval);
    this.#symbol("strategy", s.strategy);
    this.#symbol("direction", s.direction);
    this.#symbol("bias", s.bias);
    this.#symbol("risk", s.risk);
    this.#double(true, "price", s.price);
    this.#double(false, "score", s.score);
    this.#double(false, "confidence", s.confidence);
    if (s.sl_pct !== null) this.#double(false, "sl_pct", s.sl_pct);
    if (s.tp_pct !== null) this.#double(false, "tp_pct", s.tp_pct);
    if (s.sl_price !== null) this.#double(false, "sl_price", s.sl_price);
    if (s.tp_price !== null) this.#double(false, "tp_price", s.tp_price);
    this.#string("categories", JSON.stringify(s.categories));
    this.#string("reasons", JSON.stringify(s.reasons));
    this.#string("engine_version", s.engine_version);
    this.#at(s.time);
  }

  /** One `strategies` log row: the document, or a tombstone when `doc` is undefined. */
  strategy(id: string, doc: StrategyDoc | undefined, tsMs: number): void {
    this.#table("strategies");
    this.#symbol("id", id);
    this.#name(" ", "config");
    this.#byte(0x22);
    this.#escaped(doc ? JSON.stringify(doc.config) : "null", true);
    this.#byte(0x22);
    if (doc?.name !== undefined) this.#string("name", doc.name);
    this.#long("created_at", doc?.created_at ?? 0);
    this.#long("updated_at", doc?.updated_at ?? 0);
    this.#boolean("deleted", doc === undefined);
    this.#at(tsMs);
  }
}
