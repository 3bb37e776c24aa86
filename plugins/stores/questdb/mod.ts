/**
 * The questdb store: history at scale. Writes are ILP over HTTP through
 * `@questdb/nodejs-client` (its config parsing, protocol negotiation and HTTP transport; rows are
 * encoded by `ilp.ts`, byte-compatible with the client's Sender and several times faster),
 * batched, flushed on a timer, on `flush()` and at shutdown; reads are SQL over QuestDB's HTTP `/exec` JSON API. Tables are created on start if missing, partitioned
 * by day, WAL, with DEDUP UPSERT KEYS so a replayed candle or signal is stored once.
 *
 * While QuestDB is unreachable, rows wait in a bounded buffer (`bufferRows`) and are retried on
 * every tick; its size is the `perptrix_store_write_backlog{store="questdb"}` gauge. A batch that
 * does not fit is rejected with {@linkcode StoreOverflowError} and counted in
 * `perptrix_store_dropped_total`; rows QuestDB refuses as invalid (HTTP 400) are isolated by
 * bisection, dropped one by one, counted and logged. Nothing else is lost.
 *
 * At most one drain of the buffer is queued or running at a time: timer ticks and the batch-size
 * trigger skip while one is pending, so a hanging server (each request waits up to its timeout)
 * cannot pile up work that `flush()`, `stop()` or a strategy write would then wait behind.
 * `flush()` gives up once the backlog stops shrinking for `requestTimeoutMs`, `stop()` at
 * `shutdownTimeoutMs`, and a strategy write or a first read waits at most `requestTimeoutMs` for
 * the connection.
 *
 * Over `https::`, `tls_ca` is trusted by both the ILP writes and the `/exec` queries (the file
 * must be readable by the process); see `config.ts` for what is refused.
 * @module
 */
// @ts-types="./client.d.ts"
import { createTransport, SenderOptions, type SenderTransport } from "@questdb/nodejs-client";
import {
  type Candle,
  type Health,
  type Interval,
  type Logger,
  type PluginContext,
  type RangeQuery,
  redact,
  type SignalRecord,
  type Store,
  type StorePlugin,
  type StrategyDoc,
  z,
} from "perptrix";
import { counter, gauge } from "perptrix/core/metrics.ts";
import {
  checkCandleBatch,
  checkCount,
  checkRange,
  checkSeries,
  checkSignalBatch,
  checkStrategy,
  type Range,
} from "../_validate.ts";
import { parseQuestDbConfig, QuestDbConfigError, type QuestDbEndpoint } from "./config.ts";
import { IlpEncoder } from "./ilp.ts";

const STORE = "questdb";
const backlog = gauge("perptrix_store_write_backlog", "Rows waiting to be written", ["store"]);
const writeErrors = counter("perptrix_store_write_errors_total", "Store write failures", ["store"]);
const dropped = counter(
  "perptrix_store_dropped_total",
  "Rows a store could not accept or write (buffer overflow, invalid rows, shutdown)",
  ["store"],
);

/** The DDL run on start. `interval` is quoted everywhere: it is also an SQL type name. */
export const DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS candles (symbol SYMBOL, "interval" SYMBOL, open DOUBLE, ` +
  `high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, trades LONG, funding_rate DOUBLE, ` +
  `open_interest DOUBLE, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL ` +
  `DEDUP UPSERT KEYS(ts, symbol, "interval")`,
  `CREATE TABLE IF NOT EXISTS signals (symbol SYMBOL, "interval" SYMBOL, strategy SYMBOL, ` +
  `price DOUBLE, direction SYMBOL, bias SYMBOL, score DOUBLE, confidence DOUBLE, risk SYMBOL, ` +
  `sl_pct DOUBLE, tp_pct DOUBLE, sl_price DOUBLE, tp_price DOUBLE, categories VARCHAR, ` +
  `reasons VARCHAR, engine_version VARCHAR, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL ` +
  `DEDUP UPSERT KEYS(ts, symbol, "interval", strategy)`,
  // Strategies are an append-only log (QuestDB has no row DELETE): the newest row per id wins,
  // a tombstone row marks a deletion.
  `CREATE TABLE IF NOT EXISTS strategies (id SYMBOL, name VARCHAR, config VARCHAR, ` +
  `created_at LONG, updated_at LONG, deleted BOOLEAN, ts TIMESTAMP) TIMESTAMP(ts) ` +
  `PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, id)`,
];

/** Options of the questdb store (`plugins.questdb.options`). */
export const QuestDbOptionsSchema = z.object({
  /** Most rows held while QuestDB is unreachable. */
  bufferRows: z.number().int().min(1).max(10_000_000).default(200_000),
  /** Rows per ILP request. */
  batchRows: z.number().int().min(1).max(1_000_000).default(10_000),
  flushIntervalMs: z.number().int().min(10).max(600_000).default(1000),
  /** Timeout of each /exec request. */
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  /** How long `stop()` keeps trying to write the backlog. */
  shutdownTimeoutMs: z.number().int().min(0).max(600_000).default(5000),
}).strict();

/** The store options after defaults. */
export type QuestDbOptions = z.infer<typeof QuestDbOptionsSchema>;

/** The write buffer is full; the rejected batch was not accepted (nothing of it was written). */
export class StoreOverflowError extends Error {
  override name = "StoreOverflowError";
}

/** QuestDB could not be reached or refused a query. */
export class QuestDbError extends Error {
  override name = "QuestDbError";
}

type Row =
  | { table: "candles"; symbol: string; interval: Interval; c: Candle }
  | { table: "signals"; s: SignalRecord };

/** Columns read back for candles, in this order. */
const CANDLE_COLS = "ts, open, high, low, close, volume, trades, funding_rate, open_interest";
/** The latest timestamp `Date` can print; later bounds are left open. */
const MAX_DATE_MS = 8.64e15;

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function iso(ms: number): string {
  return sqlString(new Date(ms).toISOString());
}

/** Epoch ms of a QuestDB JSON timestamp such as `2024-01-01T00:00:00.000000Z`. */
export function parseQuestDbTimestamp(s: unknown): number {
  if (typeof s !== "string") {
    throw new QuestDbError(`timestamp ${JSON.stringify(s)} is not a string`);
  }
  const ms = Date.parse(s.length > 24 ? `${s.slice(0, 23)}Z` : s);
  if (Number.isNaN(ms)) throw new QuestDbError(`timestamp ${JSON.stringify(s)} is unreadable`);
  return ms;
}

function numOrNull(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

interface ExecResult {
  columns: { name: string; type: string }[];
  dataset: unknown[][];
}

function statusOf(e: unknown): number {
  const m = /statusCode=(\d+)/.exec(String((e as Error)?.message ?? e));
  return m ? Number(m[1]) : -1;
}

/**
 * A fetch failure as text, with its cause (Deno puts the reason, e.g. "invalid peer certificate:
 * UnknownIssuer", there and only "fetch failed" in the message), without the SQL of the URL.
 */
function describeFetchError(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: unknown };
  if (err?.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  let msg = String(err?.message ?? e);
  if (err?.cause !== undefined) {
    msg += `: ${String((err.cause as Error)?.message ?? err.cause)}`;
  }
  return redact(msg.replace(/\?query=[^)\s]*/g, ""));
}

/** Settles with `p`'s value, or with undefined once `ms` have passed (the timer is cleared). */
function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) => timer = setTimeout(r, Math.max(0, ms), undefined));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** A store on QuestDB. */
export class QuestDbStore implements Store {
  readonly id = STORE;
  #conf: string;
  #opts: QuestDbOptions;
  #log: Logger;
  #endpoint: QuestDbEndpoint | undefined;
  #transport: SenderTransport | undefined;
  #encoder: IlpEncoder | undefined;
  #ready = false;
  #pending: Row[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #lock: Promise<unknown> = Promise.resolve();
  /** The drain queued or running, if any: there is never a second one behind it. */
  #drainRun: Promise<boolean> | undefined;
  /** Rows accepted into the buffer so far. */
  #accepted = 0;
  /** Rows taken off the buffer so far (written, or dropped as invalid), in acceptance order. */
  #written = 0;
  /** Aborted by `stop()` past its deadline: cuts off queries still waiting on the server. */
  #abort = new AbortController();
  /** Trusts `tls_ca` for the queries (the ILP transport reads the file itself). */
  #http: Deno.HttpClient | undefined;
  #failing: string | undefined;
  #stopped = false;
  #lastStrategyTs = 0;

  constructor(conf: string, opts: Partial<QuestDbOptions>, logger: Logger) {
    this.#conf = conf;
    this.#opts = QuestDbOptionsSchema.parse(opts);
    this.#log = logger;
  }

  /** Rows waiting to be written. */
  get backlog(): number {
    return this.#pending.length;
  }

  async start(): Promise<void> {
    const endpoint = parseQuestDbConfig(this.#conf, (level, message) => {
      this.#log[level](`questdb client: ${redact(String(message))}`);
    });
    let http: Deno.HttpClient | undefined;
    if (endpoint.tlsCa !== undefined) {
      let pem: string;
      try {
        pem = await Deno.readTextFile(endpoint.tlsCa);
      } catch (e) {
        throw new QuestDbConfigError(
          `questdb_config tls_ca: cannot read ${endpoint.tlsCa}: ${(e as Error).message} (the ` +
            "process needs read permission for it: the deno tasks grant --allow-read=. only)",
        );
      }
      http = Deno.createHttpClient({ caCerts: [pem] });
    }
    this.#http?.close();
    this.#http = http;
    this.#endpoint = endpoint;
    this.#stopped = false;
    // Rows dropped by an earlier stop() are settled: a flush after this start never waits on them.
    this.#written = this.#accepted - this.#pending.length;
    this.#abort = new AbortController();
    await this.#exclusive(() => this.#ensureReady());
    this.#timer = setInterval(() => {
      // Skipped while a drain is queued or running: ticks never pile up behind a slow server.
      if ((this.#pending.length > 0 || !this.#ready) && this.#drainRun === undefined) {
        this.#requestDrain().catch(() => {/* logged in drain */});
      }
    }, this.#opts.flushIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#stopped || !this.#endpoint) return;
    this.#stopped = true;
    const deadline = Date.now() + this.#opts.shutdownTimeoutMs;
    const left = () => Math.max(0, deadline - Date.now());
    const final = this.#exclusive(async () => {
      while (this.#pending.length > 0 && Date.now() < deadline) {
        if (await this.#drain(true)) break;
        await new Promise((r) => setTimeout(r, Math.min(200, left())));
      }
    }, left());
    // Past the deadline, whatever still waits on the server is cut off (queries are aborted; an
    // ILP request in flight ends at the client's request_timeout and finds nothing to write).
    await within(final.catch(() => {}), left());
    this.#abort.abort();
    const lost = this.#pending.length;
    if (lost > 0) {
      dropped.inc({ store: STORE }, lost);
      this.#log.error("questdb unreachable at shutdown: rows not written", { rows: lost });
      this.#pending = [];
      backlog.set({ store: STORE }, 0);
    }
    await this.#transport?.close();
    this.#transport = undefined;
    this.#http?.close();
    this.#http = undefined;
    this.#ready = false;
  }

  /**
   * Writes the backlog, joining the drain already queued or running. Fails when a write fails,
   * or when the backlog has not shrunk for `requestTimeoutMs` (a hanging server); the rows stay
   * buffered and are retried either way.
   */
  async flush(): Promise<void> {
    // The buffer is first in, first out: every row accepted so far is written once `#written`
    // reaches this, whatever was accepted after the call.
    const target = this.#accepted;
    const ms = this.#opts.requestTimeoutMs;
    let seen = this.#written;
    let ok: boolean | undefined;
    while (this.#written < target && !this.#stopped) {
      ok = await within(this.#requestDrain(), ms);
      if (ok === false) break;
      if (ok === undefined) {
        if (this.#written === seen) break;
        seen = this.#written;
      }
    }
    if (this.#written >= target) return;
    const why = this.#stopped
      ? "the store stopped"
      : ok === undefined
      ? `no progress within ${ms} ms${this.#failing ? `; ${this.#failing}` : ""}`
      : this.#failing ?? "unreachable";
    throw new QuestDbError(
      `questdb write failed (${why}); ${this.#pending.length} rows buffered for retry`,
    );
  }

  health(): Promise<Health> {
    const n = this.#pending.length;
    if (!this.#ready) {
      return Promise.resolve({
        ok: false,
        detail: `unreachable; backlog ${n} rows`,
        required: true,
      });
    }
    if (this.#failing) {
      return Promise.resolve({
        ok: false,
        detail: `writes failing; backlog ${n} rows`,
        required: true,
      });
    }
    return Promise.resolve({ ok: true, detail: `backlog ${n} rows`, required: true });
  }

  // ---- writing ----

  /**
   * Runs `fn` after every earlier holder of the lock (sender, DDL and buffer are shared). With
   * `waitMs`, gives up (and never runs `fn`) when the lock is not free by then.
   */
  #exclusive<T>(fn: () => Promise<T>, waitMs?: number): Promise<T> {
    let state: "waiting" | "running" | "abandoned" = "waiting";
    const body = (): Promise<T> => {
      if (state === "abandoned") return Promise.reject(new QuestDbError("abandoned"));
      state = "running";
      return fn();
    };
    const run = this.#lock.then(body, body);
    this.#lock = run.catch(() => {});
    if (waitMs === undefined) return run;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (state !== "waiting") return;
        state = "abandoned";
        reject(
          new QuestDbError(
            `questdb unreachable: an earlier request has waited on the server for over ${waitMs} ms` +
              (this.#failing ? ` (${this.#failing})` : ""),
          ),
        );
      }, waitMs);
      run.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  /** Queues a drain unless one is already queued or running, whose outcome is then shared. */
  #requestDrain(): Promise<boolean> {
    if (this.#drainRun !== undefined) return this.#drainRun;
    const run = this.#exclusive(() => this.#drain());
    this.#drainRun = run;
    const clear = () => {
      if (this.#drainRun === run) this.#drainRun = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  async #ensureReady(): Promise<boolean> {
    if (this.#ready) return true;
    try {
      for (const sql of DDL) await this.#exec(sql);
      const ep = this.#endpoint!;
      // Asked here rather than by the client: its /settings request ignores tls_ca under Deno.
      if (ep.negotiateProtocol) ep.senderOptions.protocol_version = await this.#protocolVersion();
      const resolved = await SenderOptions.resolveAuto(ep.senderOptions);
      this.#transport = createTransport(resolved);
      // Version 3 servers read version 2 rows unchanged; only version 1 needs text doubles.
      this.#encoder = new IlpEncoder(String(resolved.protocol_version) === "1" ? 1 : 2);
      this.#ready = true;
      this.#log.info("questdb ready", { url: this.#endpoint!.baseUrl });
      return true;
    } catch (e) {
      this.#noteFailure(e);
      return false;
    }
  }

  /** The error of a call that needs QuestDB while it is not reachable. */
  #unreachable(): QuestDbError {
    const f = this.#failing ?? "not ready";
    return new QuestDbError(f.startsWith("questdb") ? f : `questdb unreachable: ${f}`);
  }

  #noteFailure(e: unknown): void {
    const msg = redact(String((e as Error)?.message ?? e)).slice(0, 300);
    writeErrors.inc({ store: STORE });
    if (this.#failing === undefined) {
      this.#log.warn("questdb write failed; buffering and retrying", {
        error: msg,
        backlog: this.#pending.length,
      });
    }
    this.#failing = msg;
  }

  /** Sends `rows`; returns "ok", "invalid" (HTTP 400: QuestDB refuses the data) or "retry". */
  async #send(rows: readonly Row[]): Promise<"ok" | "invalid" | "retry"> {
    const enc = this.#encoder!;
    enc.reset();
    for (const r of rows) {
      if (r.table === "candles") enc.candle(r.symbol, r.interval, r.c);
      else enc.signal(r.s);
    }
    try {
      await this.#transport!.send(enc.bytes);
      return "ok";
    } catch (e) {
      if (statusOf(e) === 400) return "invalid";
      this.#noteFailure(e);
      return "retry";
    }
  }

  /** Sends rows QuestDB refused: halves until each bad row is alone, then drops it. */
  async #isolate(rows: readonly Row[]): Promise<"ok" | "retry"> {
    if (rows.length === 1) {
      dropped.inc({ store: STORE });
      const r = rows[0];
      const where = r.table === "candles"
        ? `${r.symbol} ${r.interval} candle ${r.c.time}`
        : `${r.s.symbol} ${r.s.interval} signal ${r.s.time} ${r.s.strategy}`;
      this.#log.error("questdb rejected a row as invalid (HTTP 400); dropped", { row: where });
      return "ok";
    }
    const mid = rows.length >> 1;
    for (const half of [rows.slice(0, mid), rows.slice(mid)]) {
      const res = await this.#send(half);
      if (res === "retry") return "retry";
      if (res === "invalid" && (await this.#isolate(half)) === "retry") return "retry";
    }
    return "ok";
  }

  /**
   * Writes the backlog in batches of one table each. Returns true when it is empty. Locked. Once
   * stopped, only `stop()`'s own `final` drain writes.
   */
  async #drain(final = false): Promise<boolean> {
    if (this.#stopped && !final) return this.#pending.length === 0;
    if (!(await this.#ensureReady())) return false;
    // Each pass sends a batch or stops, so the loop is bounded by the backlog size.
    while (this.#pending.length > 0) {
      const table = this.#pending[0].table;
      let n = 1;
      const max = Math.min(this.#opts.batchRows, this.#pending.length);
      while (n < max && this.#pending[n].table === table) n++;
      const batch = this.#pending.slice(0, n);
      let res = await this.#send(batch);
      if (res === "invalid") res = await this.#isolate(batch);
      if (res === "retry") return false;
      this.#pending.splice(0, n);
      this.#written += n;
      backlog.set({ store: STORE }, this.#pending.length);
    }
    if (this.#failing !== undefined) {
      this.#log.info("questdb writes recovered");
      this.#failing = undefined;
    }
    return true;
  }

  async #enqueue(rows: Row[]): Promise<void> {
    if (this.#stopped || !this.#endpoint) throw new QuestDbError("questdb store is not running");
    if (this.#pending.length + rows.length > this.#opts.bufferRows) {
      // Make room by writing now (joining a drain in progress, for at most requestTimeoutMs);
      // if QuestDB is down, reject this batch loudly.
      await within(this.#requestDrain(), this.#opts.requestTimeoutMs).catch(() => {});
      if (this.#pending.length + rows.length > this.#opts.bufferRows) {
        dropped.inc({ store: STORE }, rows.length);
        const msg = `questdb write buffer full (${this.#pending.length} rows pending, limit ` +
          `${this.#opts.bufferRows}); batch of ${rows.length} rows rejected`;
        this.#log.error(msg, { failing: this.#failing });
        throw new StoreOverflowError(msg);
      }
    }
    for (const r of rows) this.#pending.push(r);
    this.#accepted += rows.length;
    backlog.set({ store: STORE }, this.#pending.length);
    if (this.#pending.length >= this.#opts.batchRows && this.#drainRun === undefined) {
      this.#requestDrain().catch(() => {});
    }
  }

  upsertCandles(symbol: string, interval: Interval, candles: readonly Candle[]): Promise<void> {
    try {
      const rows = checkCandleBatch(symbol, interval, candles);
      return this.#enqueue(rows.map((c) => ({ table: "candles", symbol, interval, c })));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  upsertSignals(signals: readonly SignalRecord[]): Promise<void> {
    try {
      const rows = checkSignalBatch(signals);
      return this.#enqueue(rows.map((s) => ({ table: "signals", s })));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- reading ----

  /**
   * GETs `path` from QuestDB's HTTP API and reads the body, within `requestTimeoutMs` (and
   * until `stop()` gives up), trusting `tls_ca` when given.
   */
  async #get(path: string): Promise<{ res: Response; text: string }> {
    const ep = this.#endpoint;
    if (!ep) throw new QuestDbError("questdb store is not started");
    const headers: HeadersInit = ep.authorization ? { authorization: ep.authorization } : {};
    const ms = this.#opts.requestTimeoutMs;
    try {
      const res = await fetch(`${ep.baseUrl}${path}`, {
        headers,
        signal: AbortSignal.any([AbortSignal.timeout(ms), this.#abort.signal]),
        client: this.#http,
      });
      return { res, text: await res.text() };
    } catch (e) {
      throw new QuestDbError(`questdb unreachable: ${describeFetchError(e, ms)}`);
    }
  }

  /** The ILP version to use, chosen from the server's `/settings` as the client would. */
  async #protocolVersion(): Promise<string> {
    const { res, text } = await this.#get("/settings");
    if (!res.ok) throw new QuestDbError(`questdb /settings answered ${res.status}`);
    let versions: unknown;
    try {
      versions = JSON.parse(text)?.config?.["line.proto.support.versions"];
    } catch {
      throw new QuestDbError(`questdb /settings answered non-JSON: ${text.slice(0, 200)}`);
    }
    const have = Array.isArray(versions) ? versions.map(String) : [];
    if (have.length === 0) return "1";
    const best = ["3", "2", "1"].find((v) => have.includes(v));
    if (best === undefined) {
      throw new QuestDbError(`questdb supports no known ILP version (${have.join(", ")})`);
    }
    return best;
  }

  async #exec(sql: string): Promise<ExecResult> {
    const { res, text } = await this.#get(`/exec?query=${encodeURIComponent(sql)}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text);
    } catch {
      throw new QuestDbError(
        `questdb /exec answered ${res.status} with non-JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!res.ok || typeof body.error === "string") {
      const err = typeof body.error === "string" ? body.error : (body.message ?? res.statusText);
      throw new QuestDbError(
        `questdb query failed (${res.status}): ${err} at position ${body.position ?? "?"}`,
      );
    }
    return {
      columns: Array.isArray(body.columns) ? body.columns as ExecResult["columns"] : [],
      dataset: Array.isArray(body.dataset) ? body.dataset as unknown[][] : [],
    };
  }

  async #query(sql: string): Promise<Record<string, unknown>[]> {
    if (this.#stopped) throw new QuestDbError("questdb store is not running");
    if (!this.#ready) {
      await this.#exclusive(() => this.#ensureReady(), this.#opts.requestTimeoutMs);
    }
    if (!this.#ready) {
      throw this.#unreachable();
    }
    const r = await this.#exec(sql);
    const names = r.columns.map((c) => c.name);
    return r.dataset.map((row) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) o[names[i]] = row[i];
      return o;
    });
  }

  #where(symbol: string, interval: Interval, r: Range): string | undefined {
    const parts = [`symbol = ${sqlString(symbol)}`, `"interval" = ${sqlString(interval)}`];
    if (r.from > MAX_DATE_MS) return undefined;
    if (r.from > 0) parts.push(`ts >= ${iso(r.from)}`);
    if (r.to < MAX_DATE_MS) parts.push(`ts <= ${iso(r.to)}`);
    return parts.join(" AND ");
  }

  async candles(symbol: string, interval: Interval, q?: RangeQuery): Promise<Candle[]> {
    checkSeries(symbol, interval);
    const r = checkRange(q);
    const where = this.#where(symbol, interval, r);
    if (where === undefined) return [];
    const order = r.newest ? "DESC" : "ASC";
    const limit = r.limit !== undefined ? ` LIMIT ${r.limit}` : "";
    const rows = await this.#query(
      `SELECT ${CANDLE_COLS} FROM candles WHERE ${where} ORDER BY ts ${order}${limit}`,
    );
    const out = rows.map((o) => {
      const c: Candle = {
        time: parseQuestDbTimestamp(o.ts),
        open: o.open as number,
        high: o.high as number,
        low: o.low as number,
        close: o.close as number,
        volume: o.volume as number,
      };
      if (typeof o.trades === "number") c.trades = o.trades;
      if (typeof o.funding_rate === "number") c.fundingRate = o.funding_rate;
      if (typeof o.open_interest === "number") c.openInterest = o.open_interest;
      return c;
    });
    return r.newest ? out.reverse() : out;
  }

  async latestCandles(symbol: string, interval: Interval, n: number): Promise<Candle[]> {
    checkCount(n);
    checkSeries(symbol, interval);
    if (n === 0) return [];
    return await this.candles(symbol, interval, { limit: n });
  }

  #toSignal(o: Record<string, unknown>): SignalRecord {
    return {
      symbol: o.symbol as string,
      interval: o.interval as Interval,
      time: parseQuestDbTimestamp(o.ts),
      price: o.price as number,
      direction: o.direction as SignalRecord["direction"],
      bias: o.bias as SignalRecord["bias"],
      score: o.score as number,
      categories: JSON.parse(String(o.categories ?? "[]")),
      confidence: o.confidence as number,
      risk: o.risk as SignalRecord["risk"],
      sl_pct: numOrNull(o.sl_pct),
      tp_pct: numOrNull(o.tp_pct),
      sl_price: numOrNull(o.sl_price),
      tp_price: numOrNull(o.tp_price),
      reasons: JSON.parse(String(o.reasons ?? "[]")),
      strategy: o.strategy as string,
      engine_version: String(o.engine_version ?? ""),
    };
  }

  async signals(symbol: string, interval: Interval, q?: RangeQuery): Promise<SignalRecord[]> {
    checkSeries(symbol, interval);
    const r = checkRange(q);
    const where = this.#where(symbol, interval, r);
    if (where === undefined) return [];
    const oldestFirst = r.limit !== undefined && !r.newest;
    const order = oldestFirst ? "ts ASC, strategy ASC" : "ts DESC, strategy DESC";
    const limit = r.limit !== undefined ? ` LIMIT ${r.limit}` : "";
    const rows = await this.#query(
      `SELECT * FROM signals WHERE ${where} ORDER BY ${order}${limit}`,
    );
    const out = rows.map((o) => this.#toSignal(o));
    return oldestFirst ? out.reverse() : out;
  }

  async latestSignals(): Promise<SignalRecord[]> {
    const rows = await this.#query(
      `SELECT * FROM signals LATEST ON ts PARTITION BY symbol, "interval"`,
    );
    return rows.map((o) => this.#toSignal(o));
  }

  // ---- strategies ----

  async #strategyRows(): Promise<Map<string, StrategyDoc>> {
    const rows = await this.#query(`SELECT * FROM strategies LATEST ON ts PARTITION BY id`);
    const out = new Map<string, StrategyDoc>();
    for (const o of rows) {
      if (o.deleted === true) continue;
      const id = String(o.id);
      let config: unknown;
      try {
        config = JSON.parse(String(o.config));
      } catch {
        this.#log.error("stored strategy config is not JSON; skipped", { id });
        continue;
      }
      const d: StrategyDoc = {
        id,
        config,
        created_at: Number(o.created_at),
        updated_at: Number(o.updated_at),
      };
      if (typeof o.name === "string") d.name = o.name;
      out.set(id, d);
    }
    return out;
  }

  async strategies(): Promise<StrategyDoc[]> {
    const all = [...(await this.#strategyRows()).values()];
    return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async strategy(id: string): Promise<StrategyDoc | undefined> {
    return (await this.#strategyRows()).get(id);
  }

  /** Strategy changes are written at once (not buffered): the API reports their outcome. */
  #writeStrategy(id: string, doc: StrategyDoc | undefined): Promise<void> {
    if (this.#stopped || !this.#endpoint) {
      return Promise.reject(new QuestDbError("questdb store is not running"));
    }
    return this.#exclusive(async () => {
      if (!(await this.#ensureReady())) {
        throw this.#unreachable();
      }
      const ts = Math.max(Date.now(), this.#lastStrategyTs + 1);
      this.#lastStrategyTs = ts;
      const enc = this.#encoder!;
      enc.reset();
      enc.strategy(id, doc, ts);
      try {
        await this.#transport!.send(enc.bytes);
      } catch (e) {
        writeErrors.inc({ store: STORE });
        throw new QuestDbError(`questdb strategy write failed: ${redact((e as Error).message)}`);
      }
    }, this.#opts.requestTimeoutMs);
  }

  async putStrategy(doc: StrategyDoc): Promise<void> {
    const d = checkStrategy(doc);
    await this.#writeStrategy(d.id, d);
  }

  async deleteStrategy(id: string): Promise<boolean> {
    if (typeof id !== "string" || !(await this.#strategyRows()).has(id)) return false;
    await this.#writeStrategy(id, undefined);
    return true;
  }
}

/** The `questdb` store plugin: `questdb_config` (QUESTDB_CONFIG) is the client config string. */
const plugin: StorePlugin = {
  kind: "store",
  id: STORE,
  description: "QuestDB: ILP over HTTP writes (batched, buffered while down), SQL reads via /exec.",
  create(ctx: PluginContext): Store {
    const opts = QuestDbOptionsSchema.parse(ctx.options ?? {});
    return new QuestDbStore(ctx.config.questdb_config, opts, ctx.logger.child(STORE));
  },
};
export default plugin;
