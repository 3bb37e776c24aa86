/**
 * The Hyperliquid market-data provider: REST backfill, sharded WebSocket streams, candle close
 * detection, perp context, all behind the {@linkcode Provider} contract.
 * @module
 */
import {
  type Candle,
  candleProblem,
  type FundingPoint,
  type Health,
  type Interval,
  intervalMs,
  type Logger,
  type MarketSink,
  nextOpenTime,
  type OpenInterestPoint,
  type PluginContext,
  type PriceRule,
  type Provider,
  z,
} from "perptrix";
import { counter } from "../../core/metrics.ts";
import { sleep } from "./backoff.ts";
import { CandleSeries, wireTimeProblem, wireToCandle } from "./candles.ts";
import { type Endpoints, resolveEndpoints } from "./endpoints.ts";
import { PerpUniverse } from "./meta.ts";
import { annotateCandle, ctxToSnapshot, PerpState, toFundingPoints } from "./perp.ts";
import { InfoClient } from "./rest.ts";
import {
  ActiveAssetCtxData,
  ErrorData,
  type Subscription,
  SubscriptionResponseData,
  WireCandle,
} from "./schemas.ts";
import { WeightBudget } from "./weight_budget.ts";
import { planShards, WsShard } from "./ws.ts";

/** `config.plugins.hyperliquid.options`, all optional; times in ms. */
export const HyperliquidOptions = z.object({
  /** Wait after a bucket's end before it is closed by the clock (late frames). */
  graceMs: z.number().int().min(0).max(60_000).default(2_000),
  /** Subscriptions per WebSocket connection before another connection is opened. */
  subscriptionsPerConnection: z.number().int().min(1).max(1000).default(250),
  /** Subscribe `activeAssetCtx` per symbol for live funding and open interest. */
  perpContext: z.boolean().default(true),
  pingIntervalMs: z.number().int().min(10).max(55_000).default(25_000),
  deadAfterMs: z.number().int().min(50).max(120_000).default(45_000),
  connectTimeoutMs: z.number().int().min(50).max(60_000).default(10_000),
  reconnectBaseMs: z.number().int().min(1).max(60_000).default(500),
  reconnectCapMs: z.number().int().min(1).max(300_000).default(30_000),
  restTimeoutMs: z.number().int().min(50).max(120_000).default(10_000),
  restMaxAttempts: z.number().int().min(1).max(20).default(6),
  restBackoffBaseMs: z.number().int().min(1).max(60_000).default(500),
  restBackoffCapMs: z.number().int().min(1).max(300_000).default(15_000),
  /** REST weight per minute; Hyperliquid's limit is 1200 per IP. */
  weightPerMinute: z.number().int().min(1).max(1_000_000).default(1200),
  /** WebSocket messages sent per minute (limit 2000) and new connections per minute (limit 30). */
  wsMessagesPerMinute: z.number().int().min(1).max(1_000_000).default(2000),
  wsConnectionsPerMinute: z.number().int().min(1).max(10_000).default(30),
  /** How often (real ms) closes by the clock and pending syncs are checked. */
  tickMs: z.number().int().min(1).max(10_000).default(250),
  /** Least time (real ms) between two REST syncs of the same series. */
  resyncMinMs: z.number().int().min(0).max(600_000).default(1_000),
  /**
   * Funding history fetched at start covers the backfilled candles of the longest interval,
   * capped at this many hours (each 500 hours cost one request of weight ≈ 45).
   */
  fundingBackfillHours: z.number().int().min(0).max(24 * 365).default(24 * 30),
}).strict();
/** Validated provider options. */
export type HyperliquidOptions = z.infer<typeof HyperliquidOptions>;

/** Test seams: a virtual clock (epoch ms) shared with a fake venue. */
export interface HyperliquidHooks {
  clock?: () => number;
  /**
   * Benches only: `start` opens no connection and fetches no backfill; frames are fed with
   * {@linkcode HyperliquidProvider.handleFrame} and closed candles still reach the sink.
   */
  offline?: boolean;
}

const wsMessages = counter(
  "perptrix_ws_messages_total",
  "Hyperliquid WebSocket frames received, by channel.",
  ["kind"],
);
const wsMalformed = counter(
  "perptrix_ws_malformed_frames_total",
  "Hyperliquid frames rejected (unparsable, failing the schema, invalid values, unknown), by kind.",
  ["kind"],
);
const candlesClosed = counter(
  "perptrix_candles_closed_total",
  "Closed candles delivered to the engine, by interval.",
  ["interval"],
);
const staleUpdates = counter(
  "perptrix_ws_stale_updates_total",
  "Candle updates ignored as duplicate, out of order or older than the last closed bucket.",
  ["kind"],
);

/**
 * Hot-path counts are kept in plain numbers and added to the Prometheus counters on every tick
 * (prom-client hashes the labels on each `inc`, which would cost more than parsing a frame).
 */
class FrameCounts {
  candle = 0;
  activeAssetCtx = 0;
  pong = 0;
  subscriptionResponse = 0;
  error = 0;
  stale = 0;
  duplicate = 0;

  flush(): void {
    for (
      const k of ["candle", "activeAssetCtx", "pong", "subscriptionResponse", "error"] as const
    ) {
      if (this[k] > 0) wsMessages.inc({ kind: k }, this[k]);
      this[k] = 0;
    }
    if (this.stale > 0) staleUpdates.inc({ kind: "stale" }, this.stale);
    if (this.duplicate > 0) staleUpdates.inc({ kind: "duplicate" }, this.duplicate);
    this.stale = this.duplicate = 0;
  }
}

/** The provider; see `mod.ts` for the plugin wrapper. */
export class HyperliquidProvider implements Provider {
  readonly id = "hyperliquid";
  readonly endpoints: Endpoints;
  readonly options: HyperliquidOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #symbols: string[];
  readonly #intervals: Interval[];
  readonly #count: number;
  readonly #rest: InfoClient;
  readonly #series = new Map<string, CandleSeries>();
  readonly #perps = new Map<string, PerpState>();
  readonly #lastSync = new Map<CandleSeries, number>();
  readonly #forceSync = new Set<CandleSeries>();
  readonly #failing = new Set<CandleSeries>();
  readonly #loggedKinds = new Set<string>();
  #shards: WsShard[] = [];
  #sink: MarketSink | undefined;
  #tick: ReturnType<typeof setInterval> | undefined;
  #abort = new AbortController();
  #universe: PerpUniverse | undefined;
  #backfilled = Promise.withResolvers<void>();
  #syncsInFlight = new Set<Promise<void>>();
  readonly #offline: boolean;
  readonly #counts = new FrameCounts();
  /** Funding rows and candle annotations out of range are counted like malformed frames. */
  readonly #badFunding = (why: string) => this.#malformed("funding_values", why);
  readonly #badAnnotation = (why: string) => this.#malformed("annotation_values", why);

  constructor(ctx: PluginContext, hooks: HyperliquidHooks = {}) {
    const parsed = HyperliquidOptions.safeParse(ctx.options ?? {});
    if (!parsed.success) {
      throw new TypeError(
        `plugins.hyperliquid.options: ${
          parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join(
            "; ",
          )
        }`,
      );
    }
    this.options = parsed.data;
    this.#log = ctx.logger.child("hyperliquid");
    this.#now = hooks.clock ?? Date.now;
    this.#offline = hooks.offline === true;
    this.endpoints = resolveEndpoints(ctx.config.perptrix_env, (n) => ctx.env(n));
    this.#symbols = [...new Set(ctx.config.symbols)];
    this.#intervals = [...new Set(ctx.config.intervals)];
    this.#count = ctx.config.historical_candle_count;
    const o = this.options;
    this.#rest = new InfoClient({
      apiUrl: this.endpoints.apiUrl,
      budget: new WeightBudget(o.weightPerMinute),
      logger: this.#log,
      timeoutMs: o.restTimeoutMs,
      maxAttempts: o.restMaxAttempts,
      backoffBaseMs: o.restBackoffBaseMs,
      backoffCapMs: o.restBackoffCapMs,
    });
    // Fail at construction, not at start, when the venue's limits cannot be met.
    planShards(this.#subscriptions(), o.subscriptionsPerConnection);
    for (const s of this.#symbols) this.#perps.set(s, new PerpState());
  }

  #subscriptions(): Subscription[] {
    const subs: Subscription[] = [];
    for (const coin of this.#symbols) {
      for (const interval of this.#intervals) subs.push({ type: "candle", coin, interval });
      if (this.options.perpContext) subs.push({ type: "activeAssetCtx", coin });
    }
    return subs;
  }

  /**
   * Starts streaming. For every (symbol, interval) the sink first receives the newest
   * `historical_candle_count` closed candles from `candleSnapshot`, then live closed candles, in
   * time order and each exactly once (the series' cursor guarantees it across reconnects).
   * Resolves once the connections are started and metadata and funding history are loaded;
   * {@linkcode backfilled} resolves when every series has delivered its backfill.
   */
  async start(sink: MarketSink): Promise<void> {
    if (this.#sink !== undefined) throw new Error("hyperliquid provider already started");
    this.#sink = sink;
    const o = this.options;
    const signal = this.#abort.signal;
    if (this.#offline) {
      for (const coin of this.#symbols) {
        for (const interval of this.#intervals) {
          const s = new CandleSeries(coin, interval, 0, o.graceMs);
          s.liveSince = -Infinity;
          this.#series.set(`${coin}|${interval}`, s);
        }
      }
      this.#backfilled.resolve();
      return;
    }
    try {
      this.#universe = new PerpUniverse(await this.#rest.meta(signal));
      const missing = this.#universe.unavailable(this.#symbols);
      if (missing.length > 0) {
        this.#log.warn("symbols not listed on Hyperliquid (no data will arrive)", { missing });
      }
    } catch (e) {
      if (signal.aborted) return;
      this.#log.warn("meta unavailable; price rules unknown", { error: e });
    }
    if (o.fundingBackfillHours > 0) {
      const to = this.#now();
      const longest = Math.max(...this.#intervals.map(intervalMs));
      const span = Math.min(o.fundingBackfillHours * 3_600_000, (this.#count + 2) * longest);
      const from = to - span;
      await Promise.all(this.#symbols.map(async (coin) => {
        try {
          const rows = await this.#rest.fundingHistory(coin, from, to, signal);
          this.#perps.get(coin)!.addHistory(toFundingPoints(rows, this.#badFunding));
        } catch (e) {
          if (!signal.aborted) this.#log.warn("funding backfill failed", { coin, error: e });
        }
      }));
      if (signal.aborted) return;
    }
    const now = this.#now();
    for (const coin of this.#symbols) {
      for (const interval of this.#intervals) {
        const step = intervalMs(interval);
        const s = new CandleSeries(
          coin,
          interval,
          now - (this.#count + 2) * step,
          o.graceMs,
          this.#count,
        );
        this.#series.set(`${coin}|${interval}`, s);
      }
    }
    const shardSubs = planShards(this.#subscriptions(), o.subscriptionsPerConnection);
    const sendBudget = new WeightBudget(o.wsMessagesPerMinute);
    const connectBudget = new WeightBudget(o.wsConnectionsPerMinute);
    this.#shards = shardSubs.map((subscriptions, i) =>
      new WsShard({
        url: this.endpoints.wsUrl,
        name: String(i),
        subscriptions,
        logger: this.#log,
        sendBudget,
        connectBudget,
        pingIntervalMs: o.pingIntervalMs,
        deadAfterMs: o.deadAfterMs,
        connectTimeoutMs: o.connectTimeoutMs,
        backoffBaseMs: o.reconnectBaseMs,
        backoffCapMs: o.reconnectCapMs,
        onOpen: (sh) => this.#onOpen(sh),
        onClose: (sh) => this.#onClose(sh),
        onMessage: (text) => this.handleFrame(text),
      })
    );
    for (const sh of this.#shards) sh.start();
    this.#tick = setInterval(() => this.#onTick(), o.tickMs);
    this.#onTick();
    void this.#watchBackfill();
  }

  /** Resolves when every series has delivered its startup backfill (or the provider stopped). */
  backfilled(): Promise<void> {
    return this.#backfilled.promise;
  }

  async #watchBackfill(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      if ([...this.#series.values()].every((s) => s.backfillLimit === undefined)) break;
      // On the abort signal, so no timer outlives `stop()`.
      await sleep(Math.max(5, this.options.tickMs), signal).catch(() => {});
    }
    this.#backfilled.resolve();
  }

  #seriesOf(shard: WsShard): CandleSeries[] {
    const out: CandleSeries[] = [];
    for (const sub of shard.subscriptions) {
      if (sub.type === "candle") {
        const s = this.#series.get(`${sub.coin}|${sub.interval}`);
        if (s) out.push(s);
      }
    }
    return out;
  }

  #onOpen(shard: WsShard): void {
    // Whatever closed while we were away is fetched again: the gap backfill.
    // (Series still in their startup backfill are covered by it.)
    for (const s of this.#seriesOf(shard)) {
      if (s.backfillLimit === undefined) this.#forceSync.add(s);
    }
  }

  #onClose(shard: WsShard): void {
    for (const s of this.#seriesOf(shard)) s.disconnected();
  }

  #onTick(): void {
    this.#counts.flush();
    if (this.#sink === undefined) return;
    for (const s of this.#series.values()) this.#drain(s);
  }

  #drain(s: CandleSeries): void {
    const { ready, needSync } = s.drain(this.#now());
    for (const c of ready) this.#emit(s, c);
    if ((needSync || this.#forceSync.has(s)) && !s.syncing) this.#maybeSync(s);
  }

  #maybeSync(s: CandleSeries): void {
    const last = this.#lastSync.get(s) ?? -Infinity;
    if (this.#offline || this.#abort.signal.aborted) return;
    if (performance.now() - last < this.options.resyncMinMs) return;
    this.#forceSync.delete(s);
    this.#lastSync.set(s, performance.now());
    s.syncing = true;
    const p = this.#sync(s).finally(() => {
      s.syncing = false;
      this.#lastSync.set(s, performance.now());
      this.#syncsInFlight.delete(p);
      if (!this.#abort.signal.aborted) this.#drain(s);
    });
    this.#syncsInFlight.add(p);
  }

  async #sync(s: CandleSeries): Promise<void> {
    const fetchedAt = this.#now();
    try {
      const rows = await this.#rest.candleSnapshot(
        s.symbol,
        s.interval,
        s.cursor,
        fetchedAt,
        this.#abort.signal,
      );
      const candles: Candle[] = [];
      for (const r of rows) {
        const c = wireToCandle(r);
        const problem = candleProblem(c) ?? wireTimeProblem(r, s.interval, fetchedAt);
        if (problem !== undefined) this.#malformed("rest_candle_values", problem);
        else candles.push(c);
      }
      for (const c of s.settle(candles, fetchedAt)) this.#emit(s, c);
      this.#failing.delete(s);
    } catch (e) {
      if (this.#abort.signal.aborted || this.#failing.has(s)) return;
      this.#failing.add(s);
      this.#log.warn("candle sync failed; retrying (logged once until it succeeds)", {
        symbol: s.symbol,
        interval: s.interval,
        error: e,
      });
    }
  }

  #emit(s: CandleSeries, c: Candle): void {
    const close = nextOpenTime(s.interval, c.time);
    const extra = this.#perps.get(s.symbol)?.annotate(close, 120_000);
    const out = extra ? annotateCandle(c, extra, this.#badAnnotation) : c;
    candlesClosed.labels(s.interval).inc();
    try {
      this.#sink?.candle(s.symbol, s.interval, out);
    } catch (e) {
      this.#log.error("sink.candle threw", { symbol: s.symbol, interval: s.interval, error: e });
    }
  }

  #malformed(kind: string, detail: string): void {
    wsMalformed.labels(kind).inc();
    if (!this.#loggedKinds.has(kind)) {
      this.#loggedKinds.add(kind);
      this.#log.warn("malformed frame ignored (logged once per kind)", {
        kind,
        detail: detail.slice(0, 300),
      });
    }
  }

  /**
   * Parses, validates and applies one WebSocket text frame. Never throws: anything unparsable,
   * failing its schema, holding invalid values or unknown is counted by kind and dropped.
   * Public so benches and tests can drive the hot path without a socket.
   */
  handleFrame(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.#malformed("not_json", text);
    }
    if (
      msg === null || typeof msg !== "object" ||
      typeof (msg as { channel?: unknown }).channel !== "string"
    ) {
      return this.#malformed("no_channel", text);
    }
    const { channel, data } = msg as { channel: string; data?: unknown };
    switch (channel) {
      case "candle":
        this.#counts.candle++;
        return this.#onCandle(data, text);
      case "activeAssetCtx":
        this.#counts.activeAssetCtx++;
        return this.#onCtx(data, text);
      case "pong":
        this.#counts.pong++;
        return;
      case "subscriptionResponse":
        this.#counts.subscriptionResponse++;
        return this.#onAck(data, text);
      case "error": {
        this.#counts.error++;
        const e = ErrorData.safeParse(data);
        const detail = e.success ? e.data : text;
        const key = `error:${detail.slice(0, 40)}`;
        if (!this.#loggedKinds.has(key)) {
          this.#loggedKinds.add(key);
          this.#log.warn("hyperliquid error frame", { detail: detail.slice(0, 300) });
        }
        return;
      }
      default:
        return this.#malformed("unknown_channel", text);
    }
  }

  #onCandle(data: unknown, text: string): void {
    const w = WireCandle.safeParse(data);
    if (!w.success) return this.#malformed("candle_schema", text);
    const c = wireToCandle(w.data);
    const problem = candleProblem(c) ?? wireTimeProblem(w.data, w.data.i, this.#now());
    if (problem !== undefined) return this.#malformed("candle_values", `${problem}: ${text}`);
    const s = this.#series.get(`${w.data.s}|${w.data.i}`);
    if (s === undefined) return this.#malformed("candle_unknown_series", text);
    const outcome = s.apply(c);
    if (outcome === "stale") return void this.#counts.stale++;
    if (outcome === "duplicate") return void this.#counts.duplicate++;
    if (this.#sink?.partial && c.time === s.openCandle(this.#now())?.time) {
      try {
        this.#sink.partial(s.symbol, s.interval, c);
      } catch (e) {
        this.#log.error("sink.partial threw", { error: e });
      }
    }
    this.#drain(s);
  }

  #onCtx(data: unknown, text: string): void {
    const d = ActiveAssetCtxData.safeParse(data);
    if (!d.success) return this.#malformed("ctx_schema", text);
    const state = this.#perps.get(d.data.coin);
    if (state === undefined) return this.#malformed("ctx_unknown_symbol", text);
    const snap = ctxToSnapshot(d.data, this.#now());
    if (typeof snap === "string") return this.#malformed("ctx_values", `${snap}: ${text}`);
    if (!state.update(snap)) return void this.#counts.stale++;
    try {
      this.#sink?.perp?.(snap);
    } catch (e) {
      this.#log.error("sink.perp threw", { error: e });
    }
  }

  #onAck(data: unknown, text: string): void {
    const a = SubscriptionResponseData.safeParse(data);
    if (!a.success) return this.#malformed("ack_schema", text);
    const sub = a.data.subscription;
    if (a.data.method !== "subscribe" || sub.type !== "candle") return;
    const s = this.#series.get(`${sub.coin}|${sub.interval}`);
    if (s !== undefined) s.liveSince = this.#now();
  }

  /** Stops streaming and pending REST calls within a bounded time. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error("provider stopped"));
    this.#counts.flush();
    if (this.#tick !== undefined) clearInterval(this.#tick);
    this.#tick = undefined;
    await Promise.all(this.#shards.map((s) => s.stop()));
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#syncsInFlight]),
      new Promise((r) => t = setTimeout(r, 2000)),
    ]);
    clearTimeout(t);
    this.#backfilled.resolve();
  }

  /** Unhealthy while a connection is down or a series has not finished its backfill. */
  health(): Health {
    const up = this.#shards.filter((s) => s.connected).length;
    const waiting = [...this.#series.values()].filter((s) => s.backfillLimit !== undefined).length;
    const ok = this.#shards.length > 0 && up === this.#shards.length && waiting === 0;
    return {
      ok,
      required: true,
      detail: `${up}/${this.#shards.length} connections, ${this.#series.size} series, ` +
        `${waiting} awaiting backfill`,
    };
  }

  /** Closed candles from `candleSnapshot` (only the newest 5000 exist at the venue). */
  async candles(symbol: string, interval: Interval, from: number, to: number): Promise<Candle[]> {
    const now = this.#now();
    const rows = await this.#rest.candleSnapshot(symbol, interval, from, Math.min(to, now));
    const out: Candle[] = [];
    for (const r of rows) {
      const c = wireToCandle(r);
      if (c.time < from || c.time > to || nextOpenTime(interval, c.time) > now) continue;
      const problem = candleProblem(c) ?? wireTimeProblem(r, interval, now);
      if (problem === undefined) out.push(c);
      else this.#malformed("rest_candle_values", problem);
    }
    return out;
  }

  /** Hourly funding settlements from `fundingHistory`. */
  async funding(symbol: string, from: number, to: number): Promise<FundingPoint[]> {
    return toFundingPoints(await this.#rest.fundingHistory(symbol, from, to), this.#badFunding);
  }

  /** Hyperliquid has no open-interest history; live OI arrives through `sink.perp`. */
  openInterest(_symbol: string, _from: number, _to: number): Promise<OpenInterestPoint[]> {
    return Promise.resolve([]);
  }

  /** The still-open candle of a series, as last streamed. */
  openCandle(symbol: string, interval: Interval): Candle | undefined {
    return this.#series.get(`${symbol}|${interval}`)?.openCandle(this.#now());
  }

  /** The venue's price rule for `symbol` (5 significant figures, ≤ 6 − szDecimals decimals). */
  priceRule(symbol: string): PriceRule | undefined {
    return this.#universe?.priceRule(symbol);
  }

  /** Drops every connection (fault injection in tests; they reconnect by themselves). */
  dropConnections(): void {
    for (const s of this.#shards) s.drop();
  }

  /** Number of WebSocket connections in use. */
  get connectionCount(): number {
    return this.#shards.length;
  }
}
