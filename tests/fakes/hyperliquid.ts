/**
 * A local, protocol-exact fake of Hyperliquid's public market-data API (REST `POST /info` and the
 * `/ws` WebSocket), driven by the real recorded candles and funding in ../shared/data, on a
 * virtual clock that can run faster than real time, with fault injection.
 *
 * Faithful to /work/shared/reference/hyperliquid-protocol.md §2, §3, §4, §9: decimal strings for
 * prices/sizes/rates and numbers for times/counts; `{channel, data}` envelopes, `pong` without
 * data; subscription acks echoing the subscription; the current bucket pushed right after
 * subscribing; repeated cumulative updates per bucket and no "closed" flag; no frame and no REST
 * row for buckets without trades (zero-volume rows of the data); `T = t + interval − 1`; only the
 * newest 5000 candles; 1200 weight/min (429 beyond); 1000 subscriptions and 10 connections; idle
 * connections closed after 60 s; 422 text/plain for bodies that do not deserialize. With
 * `relay: true` the WebSocket runs through a TCP relay, so {@linkcode FakeHyperliquid.stall} can
 * make connections silent but open (a half-open TCP connection: not even a close frame passes).
 *
 * Not from real data (documented, synthetic): open interest (no Hyperliquid OI history exists),
 * the premium (funding − 0.00125 %), the intra-bucket path of the still-open candle (k evenly
 * spaced cumulative states ending exactly at the recorded OHLCV), and trade counts (`n` = step).
 *
 * Run alone: `deno task fake-hyperliquid` (FAKE_PORT, default 0 = random; prints the URLs).
 * @module
 */
import type { Candle } from "../../core/candle.ts";
import { type Interval, intervalMs, INTERVALS, nextOpenTime } from "../../core/interval.ts";
import { parseCandlesCsv, parseFundingCsv } from "../../core/csv.ts";
import type { FundingPoint } from "../../core/market.ts";

/** Fault injection knobs; rates are probabilities per frame / request. */
export interface FakeFaults {
  /** Close every WebSocket connection this often (real ms); 0 = never. */
  dropEveryMs?: number;
  /** After a drop, refuse upgrades for this long (real ms), so candles close unseen. */
  downForMs?: number;
  /** Resend the last frame of a subscription (exact duplicate). */
  duplicateRate?: number;
  /** Resend the previous, older frame of a subscription (stale, out of order). */
  staleRate?: number;
  /** Send an extra malformed frame. */
  malformedRate?: number;
  /** Answer a REST request with 429 / 500. */
  rest429Rate?: number;
  rest500Rate?: number;
}

/** Options of {@linkcode FakeHyperliquid.start}. */
export interface FakeOptions {
  port?: number;
  hostname?: string;
  /** Coins served; BTC and ETH use their own data, any other coin reuses BTC's or ETH's. */
  coins?: string[];
  /** Virtual time at start (epoch ms). Default 2025-07-25T00:00Z (data runs to 07-26 04:55). */
  startTime?: number;
  /** Virtual ms per real ms. */
  speed?: number;
  /**
   * Shift the recordings by whole days so that `startTime` (default: now) falls inside them:
   * the fake then serves "live" data on the real clock, for `deno task start` against it.
   */
  shiftToNow?: boolean;
  /** Cumulative updates per bucket. */
  stepsPerCandle?: number;
  /** Real ms between WebSocket pushes. */
  tickMs?: number;
  /** Real ms between `activeAssetCtx` pushes per subscription. */
  ctxEveryMs?: number;
  /** REST weight per real minute before 429. */
  weightPerMinute?: number;
  /** Close a connection when the client sent nothing for this long (real ms). */
  idleTimeoutMs?: number;
  faults?: FakeFaults;
  /** Seed of the fault dice. */
  seed?: number;
  /**
   * Serve the WebSocket through a TCP relay of the fake's own (`wsUrl` points at it), which
   * {@linkcode FakeHyperliquid.stall} can silence. Off by default: one hop less.
   */
  relay?: boolean;
  /** Data folder (default: tests/data.ts's resolution). */
  dataDir?: string;
}

/** Counters a test can assert on. */
export interface FakeStats {
  restRequests: number;
  rest429Injected: number;
  rest429Weight: number;
  rest500: number;
  rest422: number;
  wsConnections: number;
  wsRefused: number;
  drops: number;
  framesSent: number;
  duplicates: number;
  stale: number;
  malformed: number;
  pings: number;
  idleCloses: number;
  /** Relay connections silenced by `stall()`. */
  stalled: number;
}

const DEFAULT_START = Date.UTC(2025, 6, 25, 0, 0, 0);
const MAX_CANDLES = 5000;
const FUNDING_PAGE = 500;
const MAX_SUBS = 1000;
const MAX_CONNECTIONS = 10;

function repoRoot(): string {
  return new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
}

function defaultDataDir(): string {
  let env: string | undefined;
  try {
    env = Deno.env.get("PERPTRIX_DATA_DIR");
  } catch { /* not permitted */ }
  for (const c of [env, `${repoRoot()}/../shared/data`, "/work/shared/data"]) {
    try {
      if (c && Deno.statSync(c).isDirectory) return c;
    } catch { /* next */ }
  }
  throw new Error("shared data folder not found; set PERPTRIX_DATA_DIR");
}

/** Mulberry32: a small seeded PRNG so fault runs are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hyperliquid writes decimals like "118712.0": integers keep one decimal. */
function dec(x: number): string {
  const s = String(x);
  return Number.isInteger(x) && !s.includes("e") ? `${s}.0` : s;
}

function bucketStart(i: Interval, time: number): number {
  if (i === "1M") {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const ms = intervalMs(i);
  return Math.floor(time / ms) * ms;
}

/** Aggregates finer candles into `interval` buckets (OHLCV rules), keeping complete buckets. */
function aggregate(base: readonly Candle[], baseMs: number, interval: Interval): Candle[] {
  const out: Candle[] = [];
  let cur: Candle | undefined;
  let count = 0;
  const flush = () => {
    if (cur && count * baseMs === nextOpenTime(interval, cur.time) - cur.time) out.push(cur);
  };
  for (const c of base) {
    const t = bucketStart(interval, c.time);
    if (cur === undefined || cur.time !== t) {
      flush();
      cur = { time: t, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
      count = 1;
    } else {
      cur.high = Math.max(cur.high, c.high);
      cur.low = Math.min(cur.low, c.low);
      cur.close = c.close;
      cur.volume += c.volume;
      count++;
    }
  }
  flush();
  return out;
}

/** Which recorded file feeds which interval, and from which base it is aggregated. */
const SOURCES: Record<Interval, "1m" | "5m" | "1h"> = {
  "1m": "1m",
  "3m": "1m",
  "5m": "5m",
  "15m": "5m",
  "30m": "5m",
  "1h": "1h",
  "2h": "1h",
  "4h": "1h",
  "8h": "1h",
  "12h": "1h",
  "1d": "1h",
  "3d": "1h",
  "1w": "1h",
  "1M": "1h",
};
const FILES: Record<"btc" | "eth", Record<"1m" | "5m" | "1h" | "funding", string>> = {
  btc: {
    "1m": "hyperliquid-btc-perp-1m-2025-07-21_2025-07-26.csv",
    "5m": "hyperliquid-btc-perp-5m-2025-03_2025-07.csv",
    "1h": "hyperliquid-btc-perp-1h-2024-09_2025-07.csv",
    funding: "hyperliquid-btc-funding-1h-2023-05_2025-07.csv",
  },
  eth: {
    "1m": "hyperliquid-eth-perp-1m-2025-07-21_2025-07-26.csv",
    "5m": "hyperliquid-eth-perp-5m-2025-03_2025-07.csv",
    "1h": "hyperliquid-eth-perp-1h-2024-09_2025-07.csv",
    funding: "hyperliquid-eth-funding-1h-2023-05_2025-07.csv",
  },
};

/** The recorded series the fake plays, per data set and interval (zero-volume rows removed). */
class Recordings {
  #cache = new Map<string, Candle[]>();
  #funding = new Map<string, FundingPoint[]>();
  constructor(private readonly dir: string, private readonly shift: number) {}

  #read(name: string): Candle[] {
    const rows = parseCandlesCsv(Deno.readTextFileSync(`${this.dir}/${name}`));
    if (this.shift !== 0) { for (const r of rows) r.time += this.shift; }
    return rows;
  }

  candles(set: "btc" | "eth", interval: Interval): Candle[] {
    const key = `${set}|${interval}`;
    let c = this.#cache.get(key);
    if (c === undefined) {
      const src = SOURCES[interval];
      const base = this.#read(FILES[set][src]);
      const all = src === interval ? base : aggregate(base, intervalMs(src), interval);
      c = all.filter((x) => x.volume > 0);
      this.#cache.set(key, c);
    }
    return c;
  }

  funding(set: "btc" | "eth"): FundingPoint[] {
    let f = this.#funding.get(set);
    if (f === undefined) {
      f = parseFundingCsv(Deno.readTextFileSync(`${this.dir}/${FILES[set].funding}`), 1)
        .map((p) => ({ ...p, time: p.time + this.shift }));
      this.#funding.set(set, f);
    }
    return f;
  }
}

/** Index of the last element with `time <= t`, or -1. */
function lastAtOrBefore(xs: readonly { time: number }[], t: number): number {
  let lo = 0, hi = xs.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid].time <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

interface CandleSub {
  kind: "candle";
  coin: string;
  interval: Interval;
  key: string;
  /** Every bucket opening before this has had its final state sent (or predates the sub). */
  doneBefore: number;
  open?: { t: number; j: number };
  last?: string;
  prev?: string;
}
interface CtxSub {
  kind: "ctx";
  coin: string;
  key: string;
  lastPush: number;
}
interface Conn {
  socket: WebSocket;
  subs: Map<string, CandleSub | CtxSub>;
  lastClientMsg: number;
}
/** One relayed TCP connection: client ⇄ relay ⇄ the fake's own HTTP server. */
interface Pipe {
  client: Deno.Conn;
  upstream?: Deno.Conn;
  /** Silenced: bytes in either direction are read and dropped, nothing is closed. */
  stalled: boolean;
}

function closeQuietly(c: Deno.Conn | undefined): void {
  try {
    c?.close();
  } catch { /* already closed */ }
}

async function writeAll(c: Deno.Conn, bytes: Uint8Array): Promise<void> {
  while (bytes.length > 0) bytes = bytes.subarray(await c.write(bytes));
}

/** The fake venue. */
export class FakeHyperliquid {
  readonly stats: FakeStats = {
    restRequests: 0,
    rest429Injected: 0,
    rest429Weight: 0,
    rest500: 0,
    rest422: 0,
    wsConnections: 0,
    wsRefused: 0,
    drops: 0,
    framesSent: 0,
    duplicates: 0,
    stale: 0,
    malformed: 0,
    pings: 0,
    idleCloses: 0,
    stalled: 0,
  };
  faults: FakeFaults;
  readonly coins: string[];
  readonly #rec: Recordings;
  readonly #o: Required<
    Omit<FakeOptions, "faults" | "dataDir" | "port" | "hostname" | "shiftToNow" | "relay">
  >;
  readonly #realStart = performance.now();
  readonly #conns = new Set<Conn>();
  readonly #weights: { at: number; w: number }[] = [];
  readonly #rand: () => number;
  /**
   * REST fault dice, a stream of their own: which requests fail then depends only on their order,
   * not on how many WebSocket frames the timing of a run happened to interleave.
   */
  readonly #restRand: () => number;
  readonly #meta: string;
  #server!: Deno.HttpServer<Deno.NetAddr>;
  #timer: ReturnType<typeof setInterval> | undefined;
  #nextDrop = Infinity;
  #refuseUntil = 0;
  #relay: Deno.TcpListener | undefined;
  readonly #pipes = new Set<Pipe>();
  /** The relay's accept loop and every pipe's pumps, awaited by `close()`. */
  readonly #relayTasks = new Set<Promise<void>>();

  private constructor(o: FakeOptions, meta: string) {
    this.faults = { ...o.faults };
    this.coins = o.coins ?? ["BTC", "ETH"];
    const DAY = 86_400_000;
    const start = o.startTime ?? (o.shiftToNow ? Date.now() : DEFAULT_START);
    const shift = o.shiftToNow ? Math.floor((start - DEFAULT_START) / DAY) * DAY : 0;
    this.#rec = new Recordings(o.dataDir ?? defaultDataDir(), shift);
    this.#o = {
      coins: this.coins,
      startTime: start,
      speed: o.speed ?? 1,
      stepsPerCandle: Math.max(1, o.stepsPerCandle ?? 4),
      tickMs: o.tickMs ?? 20,
      ctxEveryMs: o.ctxEveryMs ?? 1000,
      weightPerMinute: o.weightPerMinute ?? 1200,
      idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
      seed: o.seed ?? 1,
    };
    this.#rand = rng(this.#o.seed);
    this.#restRand = rng(this.#o.seed + 1);
    this.#meta = meta;
  }

  /** Starts the fake on `hostname:port` (port 0 = random). */
  static start(o: FakeOptions = {}): FakeHyperliquid {
    const metaPath = `${repoRoot()}/../shared/reference/hyperliquid-samples/rest/go-hyperliquid/` +
      "info_meta_2025-08-22.response.json";
    let meta: string;
    try {
      meta = Deno.readTextFileSync(metaPath);
    } catch {
      meta = Deno.readTextFileSync(
        "/work/shared/reference/hyperliquid-samples/rest/go-hyperliquid/info_meta_2025-08-22.response.json",
      );
    }
    const fake = new FakeHyperliquid(o, meta);
    // Load the data up front so the first requests are not slowed by parsing.
    for (const set of ["btc", "eth"] as const) fake.#rec.funding(set);
    fake.#server = Deno.serve(
      { port: o.port ?? 0, hostname: o.hostname ?? "127.0.0.1", onListen: () => {} },
      (req) => fake.#handle(req),
    );
    fake.#timer = setInterval(() => fake.#tick(), fake.#o.tickMs);
    fake.#scheduleDrop();
    if (o.relay) {
      fake.#relay = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      fake.#track(fake.#accept(fake.#relay));
    }
    return fake;
  }

  /** Bound port. */
  get port(): number {
    return this.#server.addr.port;
  }
  /** REST base URL (the provider appends `/info`). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** WebSocket URL (the relay's when there is one). */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.#relay?.addr.port ?? this.port}/ws`;
  }

  /** The virtual clock (epoch ms). */
  now = (): number =>
    Math.floor(this.#o.startTime + (performance.now() - this.#realStart) * this.#o.speed);

  #set(coin: string): "btc" | "eth" {
    if (coin === "BTC") return "btc";
    if (coin === "ETH") return "eth";
    let h = 0;
    for (let i = 0; i < coin.length; i++) h = (h * 31 + coin.charCodeAt(i)) >>> 0;
    return h % 2 === 0 ? "btc" : "eth";
  }

  /** Closed candles the fake has produced for a series so far (its record of truth). */
  closedCandles(coin: string, interval: Interval, now = this.now()): Candle[] {
    const all = this.#rec.candles(this.#set(coin), interval);
    const out: Candle[] = [];
    for (const c of all) {
      if (nextOpenTime(interval, c.time) > now) break;
      out.push({ ...c, trades: this.#o.stepsPerCandle });
    }
    return out;
  }

  /** State of bucket `c` at step j (0-based; the last step is the recorded candle). */
  #partial(c: Candle, j: number): Candle {
    const k = this.#o.stepsPerCandle;
    if (j >= k - 1) return { ...c, trades: k };
    const f = (j + 1) / k;
    const close = c.open + (c.close - c.open) * f;
    return {
      time: c.time,
      open: c.open,
      high: Math.max(c.open, close),
      low: Math.min(c.open, close),
      close,
      volume: c.volume * f,
      trades: j + 1,
    };
  }

  #step(c: Candle, interval: Interval, v: number): number {
    const dur = nextOpenTime(interval, c.time) - c.time;
    return Math.min(
      this.#o.stepsPerCandle - 1,
      Math.floor((v - c.time) / dur * this.#o.stepsPerCandle),
    );
  }

  #wire(coin: string, interval: Interval, c: Candle) {
    return {
      t: c.time,
      T: nextOpenTime(interval, c.time) - 1,
      s: coin,
      i: interval,
      o: dec(c.open),
      c: dec(c.close),
      h: dec(c.high),
      l: dec(c.low),
      v: dec(c.volume),
      n: c.trades ?? this.#o.stepsPerCandle,
    };
  }

  // ---------------------------------------------------------------- REST

  #json(body: unknown, status = 200): Response {
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  }

  #unprocessable(): Response {
    this.stats.rest422++;
    return new Response("Failed to deserialize the JSON body into the target type", {
      status: 422,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }

  #spend(weight: number): boolean {
    const now = performance.now();
    while (this.#weights.length > 0 && now - this.#weights[0].at >= 60_000) this.#weights.shift();
    const used = this.#weights.reduce((a, x) => a + x.w, 0);
    if (used + weight > this.#o.weightPerMinute) return false;
    this.#weights.push({ at: now, w: weight });
    return true;
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/ws") return this.#upgrade(req);
    if (url.pathname !== "/info" || req.method !== "POST") {
      return new Response("Not Found", { status: 404 });
    }
    this.stats.restRequests++;
    let body: Record<string, unknown>;
    try {
      const parsed = JSON.parse(await req.text());
      if (parsed === null || typeof parsed !== "object" || typeof parsed.type !== "string") {
        return this.#unprocessable();
      }
      body = parsed;
    } catch {
      return this.#unprocessable();
    }
    const f = this.faults;
    if ((f.rest429Rate ?? 0) > 0 && this.#restRand() < f.rest429Rate!) {
      this.stats.rest429Injected++;
      return new Response("null", { status: 429, headers: { "content-type": "application/json" } });
    }
    if ((f.rest500Rate ?? 0) > 0 && this.#restRand() < f.rest500Rate!) {
      this.stats.rest500++;
      return this.#json(null, 500);
    }
    const now = this.now();
    switch (body.type) {
      case "meta":
        if (!this.#spend(20)) return this.#tooMany();
        return new Response(this.#meta, { headers: { "content-type": "application/json" } });
      case "candleSnapshot":
        return this.#candleSnapshot(body.req, now);
      case "fundingHistory":
        return this.#fundingHistory(body, now);
      default:
        return this.#unprocessable();
    }
  }

  #tooMany(): Response {
    this.stats.rest429Weight++;
    return new Response("null", { status: 429, headers: { "content-type": "application/json" } });
  }

  #candleSnapshot(req: unknown, now: number): Response {
    const r = req as Record<string, unknown> | null;
    if (
      r === null || typeof r !== "object" || typeof r.coin !== "string" ||
      !(INTERVALS as readonly unknown[]).includes(r.interval) ||
      !Number.isSafeInteger(r.startTime) ||
      (r.endTime !== undefined && r.endTime !== null && !Number.isSafeInteger(r.endTime))
    ) return this.#unprocessable();
    const interval = r.interval as Interval;
    const start = r.startTime as number;
    const end = (r.endTime as number | null | undefined) ?? now;
    if (!this.coins.includes(r.coin)) return this.#spend(20) ? this.#json([]) : this.#tooMany();
    const all = this.#rec.candles(this.#set(r.coin), interval);
    const newest = lastAtOrBefore(all, now);
    const first = Math.max(0, newest - MAX_CANDLES + 1);
    const rows = [];
    for (let i = first; i <= newest && rows.length < MAX_CANDLES; i++) {
      const c = all[i];
      if (c.time > end || nextOpenTime(interval, c.time) <= start) continue;
      const closed = nextOpenTime(interval, c.time) <= now;
      const state = closed
        ? { ...c, trades: this.#o.stepsPerCandle }
        : this.#partial(c, this.#step(c, interval, now));
      rows.push(this.#wire(r.coin, interval, state));
    }
    if (!this.#spend(20 + Math.ceil(rows.length / 60))) return this.#tooMany();
    return this.#json(rows);
  }

  #fundingHistory(body: Record<string, unknown>, now: number): Response {
    if (typeof body.coin !== "string" || !Number.isSafeInteger(body.startTime)) {
      return this.#unprocessable();
    }
    const end = Math.min(now, typeof body.endTime === "number" ? body.endTime : now);
    const rows = [];
    if (this.coins.includes(body.coin)) {
      for (const p of this.#rec.funding(this.#set(body.coin))) {
        if (p.time < (body.startTime as number)) continue;
        if (p.time > end || rows.length >= FUNDING_PAGE) break;
        rows.push({
          coin: body.coin,
          fundingRate: String(p.rate),
          premium: String(Number((p.rate - 0.0000125).toPrecision(10))),
          time: p.time,
        });
      }
    }
    if (!this.#spend(20 + Math.ceil(rows.length / 20))) return this.#tooMany();
    return this.#json(rows);
  }

  // ----------------------------------------------------------- WebSocket

  #upgrade(req: Request): Response {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 400 });
    }
    if (performance.now() < this.#refuseUntil || this.#conns.size >= MAX_CONNECTIONS) {
      this.stats.wsRefused++;
      return new Response("unavailable", { status: 503 });
    }
    const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
    const conn: Conn = { socket, subs: new Map(), lastClientMsg: performance.now() };
    socket.onopen = () => {
      this.#conns.add(conn);
      this.stats.wsConnections++;
    };
    socket.onmessage = (ev) => this.#onClient(conn, typeof ev.data === "string" ? ev.data : "");
    socket.onclose = () => this.#conns.delete(conn);
    socket.onerror = () => this.#conns.delete(conn);
    return response;
  }

  #send(conn: Conn, frame: string): void {
    if (conn.socket.readyState !== WebSocket.OPEN) return;
    conn.socket.send(frame);
    this.stats.framesSent++;
  }

  #totalSubs(): number {
    let n = 0;
    for (const c of this.#conns) n += c.subs.size;
    return n;
  }

  #onClient(conn: Conn, text: string): void {
    conn.lastClientMsg = performance.now();
    let msg: { method?: unknown; subscription?: Record<string, unknown> };
    try {
      msg = JSON.parse(text);
    } catch {
      return this.#send(
        conn,
        JSON.stringify({
          channel: "error",
          data: `Error parsing JSON into valid websocket request: ${text}`,
        }),
      );
    }
    if (msg?.method === "ping") {
      this.stats.pings++;
      return this.#send(conn, '{"channel":"pong"}');
    }
    const sub = msg?.subscription;
    if ((msg?.method !== "subscribe" && msg?.method !== "unsubscribe") || !sub) {
      return this.#send(
        conn,
        JSON.stringify({
          channel: "error",
          data: `Error parsing JSON into valid websocket request: ${text}`,
        }),
      );
    }
    const valid = typeof sub.coin === "string" && this.coins.includes(sub.coin) &&
      (sub.type === "activeAssetCtx" ||
        (sub.type === "candle" && (INTERVALS as readonly unknown[]).includes(sub.interval)));
    if (!valid) {
      return this.#send(
        conn,
        JSON.stringify({ channel: "error", data: `Invalid subscription ${JSON.stringify(sub)}` }),
      );
    }
    const key = sub.type === "candle" ? `candle|${sub.coin}|${sub.interval}` : `ctx|${sub.coin}`;
    if (msg.method === "unsubscribe") {
      if (!conn.subs.delete(key)) {
        return this.#send(
          conn,
          JSON.stringify({
            channel: "error",
            data: `Already unsubscribed: ${JSON.stringify(sub)}`,
          }),
        );
      }
      return this.#send(
        conn,
        JSON.stringify({
          channel: "subscriptionResponse",
          data: { method: "unsubscribe", subscription: sub },
        }),
      );
    }
    if (conn.subs.has(key)) {
      return this.#send(
        conn,
        JSON.stringify({ channel: "error", data: `Already subscribed: ${JSON.stringify(sub)}` }),
      );
    }
    if (this.#totalSubs() >= MAX_SUBS) {
      return this.#send(
        conn,
        JSON.stringify({
          channel: "error",
          data: `Cannot subscribe to more than ${MAX_SUBS} subscriptions`,
        }),
      );
    }
    this.#send(
      conn,
      JSON.stringify({
        channel: "subscriptionResponse",
        data: { method: "subscribe", subscription: sub },
      }),
    );
    const v = this.now();
    if (sub.type === "candle") {
      const interval = sub.interval as Interval;
      const s: CandleSub = {
        kind: "candle",
        coin: sub.coin as string,
        interval,
        key,
        doneBefore: v,
      };
      const all = this.#rec.candles(this.#set(s.coin), interval);
      const i = lastAtOrBefore(all, v);
      if (i >= 0 && nextOpenTime(interval, all[i].time) > v) {
        s.doneBefore = all[i].time;
        this.#pushCandle(conn, s, all[i], this.#step(all[i], interval, v));
      }
      conn.subs.set(key, s);
    } else {
      const s: CtxSub = { kind: "ctx", coin: sub.coin as string, key, lastPush: 0 };
      conn.subs.set(key, s);
      this.#pushCtx(conn, s, v);
    }
  }

  #pushCandle(conn: Conn, s: CandleSub, c: Candle, j: number): void {
    const frame = JSON.stringify({
      channel: "candle",
      data: this.#wire(s.coin, s.interval, this.#partial(c, j)),
    });
    this.#send(conn, frame);
    s.open = { t: c.time, j };
    s.prev = s.last;
    s.last = frame;
    this.#maybeFault(conn, s);
  }

  #maybeFault(conn: Conn, s: CandleSub): void {
    const f = this.faults;
    if ((f.duplicateRate ?? 0) > 0 && this.#rand() < f.duplicateRate!) {
      this.stats.duplicates++;
      this.#send(conn, s.last!);
    }
    if (s.prev && (f.staleRate ?? 0) > 0 && this.#rand() < f.staleRate!) {
      this.stats.stale++;
      this.#send(conn, s.prev);
    }
    if ((f.malformedRate ?? 0) > 0 && this.#rand() < f.malformedRate!) {
      this.stats.malformed++;
      this.#send(conn, this.#malformedFrame(s));
    }
  }

  #malformedFrame(s: CandleSub): string {
    const base = JSON.parse(s.last!).data;
    const kinds = [
      () => '{"channel":"candle","data":{"t":',
      () => JSON.stringify({ channel: "candle", data: { ...base, o: Number(base.o) } }),
      () => JSON.stringify({ channel: "candle", data: { ...base, c: "NaN" } }),
      () => JSON.stringify({ channel: "candle", data: { ...base, l: "-1.0" } }),
      () => JSON.stringify({ channel: "candle", data: { ...base, h: "0.5", l: "9.0" } }),
      () => JSON.stringify({ channel: "candle", data: { ...base, i: "7m" } }),
      () => JSON.stringify({ channel: "candle" }),
      () => JSON.stringify({ channel: "mysteryChannel", data: {} }),
      () => "Websocket connection established.",
      () => JSON.stringify([1, 2, 3]),
    ];
    return kinds[Math.floor(this.#rand() * kinds.length)]();
  }

  #pushCtx(conn: Conn, s: CtxSub, v: number): void {
    const set = this.#set(s.coin);
    const f = this.#rec.funding(set);
    const fi = lastAtOrBefore(f, v);
    const rate = fi >= 0 ? f[fi].rate : 0.0000125;
    const oneMin = this.#rec.candles(set, "1m");
    const ci = lastAtOrBefore(oneMin, v);
    const mark = ci >= 0 ? oneMin[ci].close : 100;
    // Open interest is synthetic (no Hyperliquid OI history exists): a slow deterministic wave.
    const oi = (set === "btc" ? 25877.14916 : 612345.5) * (1 + 0.05 * Math.sin(v / 3_600_000));
    const premium = Number((rate - 0.0000125).toPrecision(10));
    const data = {
      coin: s.coin,
      ctx: {
        funding: String(rate),
        openInterest: String(Number(oi.toFixed(5))),
        prevDayPx: dec(mark),
        dayNtlVlm: "3677355032.5003023148",
        premium: String(premium),
        oraclePx: dec(Number((mark * (1 - premium)).toPrecision(6))),
        markPx: dec(mark),
        midPx: dec(mark),
        impactPxs: [dec(mark), dec(mark)],
        dayBaseVlm: "32620.95969",
      },
    };
    this.#send(conn, JSON.stringify({ channel: "activeAssetCtx", data }));
    s.lastPush = performance.now();
  }

  #tick(): void {
    const real = performance.now();
    if (real >= this.#nextDrop) {
      this.dropAll();
      this.#scheduleDrop();
    }
    const v = this.now();
    for (const conn of this.#conns) {
      if (real - conn.lastClientMsg > this.#o.idleTimeoutMs) {
        this.stats.idleCloses++;
        conn.socket.close(1000, "idle");
        continue;
      }
      for (const s of conn.subs.values()) {
        if (s.kind === "ctx") {
          if (real - s.lastPush >= this.#o.ctxEveryMs) this.#pushCtx(conn, s, v);
          continue;
        }
        this.#advance(conn, s, v);
      }
    }
  }

  /** Sends the final state of every bucket that closed since the last tick, then the open one. */
  #advance(conn: Conn, s: CandleSub, v: number): void {
    const all = this.#rec.candles(this.#set(s.coin), s.interval);
    let i = lastAtOrBefore(all, s.doneBefore - 1) + 1;
    const last = this.#o.stepsPerCandle - 1;
    for (let guard = 0; i < all.length && guard < 10_000; i++, guard++) {
      const c = all[i];
      if (c.time > v) break;
      const closed = nextOpenTime(s.interval, c.time) <= v;
      if (closed) {
        if (!(s.open?.t === c.time && s.open.j === last)) this.#pushCandle(conn, s, c, last);
        s.doneBefore = nextOpenTime(s.interval, c.time);
        continue;
      }
      const j = this.#step(c, s.interval, v);
      if (s.open?.t !== c.time || s.open.j !== j) this.#pushCandle(conn, s, c, j);
      break;
    }
  }

  #scheduleDrop(): void {
    const every = this.faults.dropEveryMs ?? 0;
    this.#nextDrop = every > 0 ? performance.now() + every * (0.5 + this.#rand()) : Infinity;
  }

  // --------------------------------------------------------------- relay

  #track(p: Promise<void>): void {
    this.#relayTasks.add(p);
    void p.finally(() => this.#relayTasks.delete(p));
  }

  async #accept(l: Deno.TcpListener): Promise<void> {
    try {
      for await (const client of l) this.#track(this.#pipe(client));
    } catch { /* listener closed */ }
  }

  async #pipe(client: Deno.Conn): Promise<void> {
    const pipe: Pipe = { client, stalled: false };
    this.#pipes.add(pipe);
    try {
      pipe.upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.port });
      await Promise.all([
        this.#pump(pipe, client, pipe.upstream),
        this.#pump(pipe, pipe.upstream, client),
      ]);
    } catch {
      closeQuietly(client);
    } finally {
      this.#pipes.delete(pipe);
    }
  }

  /** Copies `from` → `to`; an end or error closes both, unless the pipe is stalled. */
  async #pump(pipe: Pipe, from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        if (!pipe.stalled) await writeAll(to, buf.subarray(0, n));
      }
    } catch { /* closed */ }
    closeQuietly(from);
    // A stalled path carries no FIN either: the other side stays open until `close()`.
    if (!pipe.stalled) closeQuietly(to);
  }

  /**
   * Silences every current WebSocket connection without closing it, like a half-open TCP
   * connection or a stalled path: from now on nothing passes either way (frames, pongs, close
   * frames, FINs), so the client only learns it by the silence. New connections work normally.
   * Needs `relay: true`.
   */
  stall(): void {
    if (this.#relay === undefined) throw new Error("stall() needs FakeOptions.relay");
    for (const p of this.#pipes) {
      if (!p.stalled) this.stats.stalled++;
      p.stalled = true;
    }
  }

  /** Closes every WebSocket connection (and refuses new ones for `downForMs`). */
  dropAll(): void {
    this.stats.drops++;
    this.#refuseUntil = performance.now() + (this.faults.downForMs ?? 0);
    for (const c of this.#conns) {
      try {
        c.socket.close(1012, "restart");
      } catch { /* closing */ }
    }
  }

  /** Number of open WebSocket connections and their subscriptions. */
  connections(): { connections: number; subscriptions: number } {
    return { connections: this.#conns.size, subscriptions: this.#totalSubs() };
  }

  /** Stops the server and closes every connection. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#nextDrop = Infinity;
    for (const c of this.#conns) {
      try {
        c.socket.close(1001, "shutdown");
      } catch { /* closing */ }
    }
    if (this.#relay !== undefined) {
      try {
        this.#relay.close();
      } catch { /* closed */ }
      for (const p of this.#pipes) {
        closeQuietly(p.client);
        closeQuietly(p.upstream);
      }
      await Promise.allSettled([...this.#relayTasks]);
    }
    await this.#server.shutdown();
  }
}

function optionalEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // not permitted: use the default
  }
}

if (import.meta.main) {
  const port = Number(optionalEnv("FAKE_PORT") ?? "0");
  // FAKE_COINS: comma list, or "all" for every perp of the recorded meta (203); default BTC,ETH.
  const coinsEnv = optionalEnv("FAKE_COINS");
  let coins: string[] | undefined;
  if (coinsEnv === "all") {
    const metaPath = new URL(
      "../../../shared/reference/hyperliquid-samples/rest/go-hyperliquid/info_meta_2025-08-22.response.json",
      import.meta.url,
    );
    coins = (JSON.parse(Deno.readTextFileSync(metaPath)).universe as { name: string }[]).map((u) =>
      u.name
    );
  } else if (coinsEnv) coins = coinsEnv.split(",").map((s) => s.trim()).filter(Boolean);
  const steps = Number(optionalEnv("FAKE_STEPS") ?? "4");
  const fake = FakeHyperliquid.start({
    port: Number.isInteger(port) ? port : 0,
    shiftToNow: true,
    coins,
    stepsPerCandle: Number.isInteger(steps) && steps > 0 ? steps : 4,
    // FAKE_WEIGHT_PER_MINUTE: raise the 1200 REST budget for load runs.
    weightPerMinute: Number(optionalEnv("FAKE_WEIGHT_PER_MINUTE") ?? "1200") || 1200,
  });
  console.log(
    `fake Hyperliquid listening; virtual clock starts ${new Date(fake.now()).toISOString()}`,
  );
  console.log(`HYPERLIQUID_API_URL=${fake.apiUrl}`);
  console.log(`HYPERLIQUID_WS_URL=${fake.wsUrl}`);
  Deno.addSignalListener("SIGINT", () => fake.close().then(() => Deno.exit(0)));
}
