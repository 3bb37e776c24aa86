/**
 * The replay provider: plays candle CSVs (and optional funding CSVs) through the
 * {@linkcode Provider} contract as if they were live, at a configurable speed. The first
 * `historical_candle_count` candles of each series are the startup backfill; the rest are
 * streamed in global close-time order (ties: shorter interval first).
 * @module
 */
import {
  type Candle,
  type FundingPoint,
  fundingRateAt,
  type Health,
  type Interval,
  INTERVALS,
  type Logger,
  type MarketSink,
  nextOpenTime,
  type OpenInterestPoint,
  type PluginContext,
  type Provider,
} from "perptrix";
import {
  loadFunding,
  loadSeries,
  ReplayOptions,
  type ReplaySeries,
  ReplaySourceError,
  splitList,
} from "./sources.ts";

/** Candles delivered between two yields to the event loop at speed 0. */
const BATCH = 1000;

/** Plays recorded files as a market. */
export class ReplayProvider implements Provider {
  readonly id = "replay";
  readonly speed: number;
  readonly series: ReplaySeries[];
  readonly #funding: Map<string, FundingPoint[]>;
  readonly #count: number;
  readonly #log: Logger;
  /** Per series: candles delivered so far. */
  readonly #played: number[];
  #abort = new AbortController();
  #done = Promise.withResolvers<void>();
  #running = false;
  #error: string | undefined;

  constructor(ctx: PluginContext) {
    const parsed = ReplayOptions.safeParse(ctx.options ?? {});
    if (!parsed.success) {
      throw new ReplaySourceError(
        `plugins.replay.options: ${parsed.error.issues.map((i) => i.message).join("; ")}`,
      );
    }
    const o = parsed.data;
    const speedEnv = ctx.env("REPLAY_SPEED");
    if (speedEnv !== undefined && speedEnv.trim() !== "") {
      const n = Number(speedEnv);
      if (!Number.isFinite(n) || n < 0) {
        throw new ReplaySourceError(`REPLAY_SPEED "${speedEnv}" is not a number ≥ 0`);
      }
      this.speed = n;
    } else this.speed = o.speed;
    const dataDir = ctx.env("PERPTRIX_DATA_DIR");
    const candleEntries = splitList(ctx.env("REPLAY_CANDLES")) ?? o.candles;
    if (candleEntries.length === 0) {
      throw new ReplaySourceError(
        "no candle files: set REPLAY_CANDLES or plugins.replay.options.candles",
      );
    }
    this.series = loadSeries(candleEntries, ctx.config.symbols, dataDir);
    this.#funding = loadFunding(
      splitList(ctx.env("REPLAY_FUNDING")) ?? o.funding,
      ctx.config.symbols,
      dataDir,
    );
    this.#count = ctx.config.historical_candle_count;
    this.#log = ctx.logger.child("replay");
    this.#played = this.series.map(() => 0);
  }

  /** The candle with the funding file's rate at its close (the engine's join rule), if any. */
  #annotate(symbol: string, interval: Interval, c: Candle): Candle {
    const f = this.#funding.get(symbol);
    if (f === undefined || f.length === 0) return c;
    const rate = fundingRateAt(f, nextOpenTime(interval, c.time));
    return rate === undefined ? c : { ...c, fundingRate: rate };
  }

  #deliver(sink: MarketSink, i: number): void {
    const s = this.series[i];
    const c = this.#annotate(s.symbol, s.interval, s.candles[this.#played[i]]);
    this.#played[i]++;
    try {
      sink.candle(s.symbol, s.interval, c);
    } catch (e) {
      this.#log.error("sink.candle threw", { symbol: s.symbol, interval: s.interval, error: e });
    }
  }

  /** Index of the series whose next candle closes first, or -1 when everything was played. */
  #next(): number {
    let best = -1, bestClose = Infinity, bestRank = Infinity;
    this.series.forEach((s, i) => {
      const k = this.#played[i];
      if (k >= s.candles.length) return;
      const close = nextOpenTime(s.interval, s.candles[k].time);
      const rank = INTERVALS.indexOf(s.interval);
      if (close < bestClose || (close === bestClose && rank < bestRank)) {
        best = i;
        bestClose = close;
        bestRank = rank;
      }
    });
    return best;
  }

  /**
   * Delivers each series' first `historical_candle_count` candles at once (the backfill), then
   * plays the rest in close-time order; returns after the backfill. {@linkcode finished}
   * resolves when everything was played or the provider stopped.
   */
  start(sink: MarketSink): Promise<void> {
    if (this.#running) return Promise.reject(new Error("replay provider already started"));
    this.#running = true;
    // The replay clock starts at the newest backfilled close.
    let clock: number | undefined;
    this.series.forEach((s, i) => {
      const n = Math.min(this.#count, s.candles.length);
      while (this.#played[i] < n) this.#deliver(sink, i);
      if (n > 0) {
        const close = nextOpenTime(s.interval, s.candles[n - 1].time);
        clock = clock === undefined ? close : Math.max(clock, close);
      }
    });
    void this.#play(sink, clock).then(
      () => this.#done.resolve(),
      (e) => {
        if (!this.#abort.signal.aborted) {
          this.#error = (e as Error).message;
          this.#log.error("replay stopped", { error: e });
        }
        this.#done.resolve();
      },
    );
    return Promise.resolve();
  }

  async #play(sink: MarketSink, startClock: number | undefined): Promise<void> {
    const signal = this.#abort.signal;
    let lastClose = startClock;
    let sinceYield = 0;
    for (let i = this.#next(); i >= 0 && !signal.aborted; i = this.#next()) {
      const s = this.series[i];
      const close = nextOpenTime(s.interval, s.candles[this.#played[i]].time);
      if (this.speed > 0 && lastClose !== undefined && close > lastClose) {
        await delay((close - lastClose) / this.speed, signal);
        sinceYield = 0;
      } else if (++sinceYield >= BATCH) {
        await delay(0, signal);
        sinceYield = 0;
      }
      if (signal.aborted) break;
      lastClose = close;
      this.#deliver(sink, i);
    }
  }

  /** Resolves when every candle was played (or the provider stopped). */
  finished(): Promise<void> {
    return this.#done.promise;
  }

  /** Stops playing at once. */
  stop(): Promise<void> {
    this.#abort.abort(new Error("stopped"));
    this.#done.resolve();
    return Promise.resolve();
  }

  /** Unhealthy only when playing failed. */
  health(): Health {
    const played = this.#played.reduce((a, b) => a + b, 0);
    const total = this.series.reduce((a, s) => a + s.candles.length, 0);
    return {
      ok: this.#error === undefined,
      required: true,
      detail: this.#error ?? `played ${played}/${total} candles`,
    };
  }

  /** Candles played so far for a series, `from <= time <= to`. */
  candles(symbol: string, interval: Interval, from: number, to: number): Promise<Candle[]> {
    const i = this.series.findIndex((s) => s.symbol === symbol && s.interval === interval);
    if (i < 0) return Promise.resolve([]);
    const s = this.series[i];
    return Promise.resolve(
      s.candles.slice(0, this.#played[i]).filter((c) => c.time >= from && c.time <= to).map((c) =>
        this.#annotate(symbol, interval, c)
      ),
    );
  }

  /** Funding settlements from the funding file of `symbol`. */
  funding(symbol: string, from: number, to: number): Promise<FundingPoint[]> {
    return Promise.resolve(
      (this.#funding.get(symbol) ?? []).filter((f) => f.time >= from && f.time <= to),
    );
  }

  /** Replay files carry no open interest. */
  openInterest(_symbol: string, _from: number, _to: number): Promise<OpenInterestPoint[]> {
    return Promise.resolve([]);
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const id = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(id);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
