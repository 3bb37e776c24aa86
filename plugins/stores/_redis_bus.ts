/**
 * Announcements between processes over Redis pub/sub: closed candles on `perptrix:candles`,
 * new signals on `perptrix:signals`. Publishing never throws (an announcement lost while Redis is
 * down is reported as `false`); received messages are validated and bad ones logged and dropped.
 * Subscriptions survive reconnects (ioredis re-subscribes).
 * @module
 */
import {
  type Candle,
  candleProblem,
  type Interval,
  type Logger,
  type SignalRecord,
} from "perptrix";
import { closeRedis, connectRedis, type RedisClient } from "./_redis_connection.ts";
import { checkSeries, signalProblem } from "./_validate.ts";

/** A closed-candle announcement. */
export interface CandleAnnouncement {
  symbol: string;
  interval: Interval;
  candle: Candle;
}

/** Options of the bus. */
export interface RedisBusOptions {
  url: string;
  /** Channel prefix (default "perptrix" → `perptrix:candles`, `perptrix:signals`). */
  channelPrefix?: string;
  logger?: Logger;
}

type Handler<T> = (msg: T) => void;

/** Publishes and receives candle and signal announcements. */
export class RedisBus {
  readonly candlesChannel: string;
  readonly signalsChannel: string;
  readonly #pub: RedisClient;
  #sub: RedisClient | undefined;
  readonly #url: string;
  readonly #log: Logger | undefined;
  readonly #candleHandlers = new Set<Handler<CandleAnnouncement>>();
  readonly #signalHandlers = new Set<Handler<SignalRecord>>();

  constructor(opts: RedisBusOptions) {
    const p = opts.channelPrefix ?? "perptrix";
    this.candlesChannel = `${p}:candles`;
    this.signalsChannel = `${p}:signals`;
    this.#url = opts.url;
    this.#log = opts.logger;
    this.#pub = connectRedis({ url: opts.url, logger: opts.logger, name: "bus" });
  }

  /** Announces a closed candle; false when Redis is unavailable or the input is invalid. */
  async publishCandle(symbol: string, interval: Interval, candle: Candle): Promise<boolean> {
    try {
      checkSeries(symbol, interval);
    } catch (e) {
      this.#log?.warn("bus: candle announcement not sent", { error: (e as Error).message });
      return false;
    }
    const p = candleProblem(candle);
    if (p !== undefined) {
      this.#log?.warn("bus: invalid candle not announced", { symbol, interval, problem: p });
      return false;
    }
    return await this.#publish(this.candlesChannel, JSON.stringify({ symbol, interval, candle }));
  }

  /** Announces a new signal; false when Redis is unavailable or the signal is invalid. */
  async publishSignal(signal: SignalRecord): Promise<boolean> {
    const p = signalProblem(signal);
    if (p !== undefined) {
      this.#log?.warn("bus: invalid signal not announced", { problem: p });
      return false;
    }
    return await this.#publish(this.signalsChannel, JSON.stringify(signal));
  }

  async #publish(channel: string, message: string): Promise<boolean> {
    if (this.#pub.status !== "ready") return false;
    try {
      await this.#pub.publish(channel, message);
      return true;
    } catch {
      return false;
    }
  }

  /** Calls `handler` for every valid closed-candle announcement. Returns an unsubscribe. */
  onCandle(handler: Handler<CandleAnnouncement>): Promise<() => void> {
    this.#candleHandlers.add(handler);
    return this.#subscribe().then(() => () => void this.#candleHandlers.delete(handler));
  }

  /** Calls `handler` for every valid signal announcement. Returns an unsubscribe. */
  onSignal(handler: Handler<SignalRecord>): Promise<() => void> {
    this.#signalHandlers.add(handler);
    return this.#subscribe().then(() => () => void this.#signalHandlers.delete(handler));
  }

  async #subscribe(): Promise<void> {
    if (this.#sub) return;
    // A subscriber connection queues SUBSCRIBE until connected and re-subscribes on reconnect.
    const sub = connectRedis({
      url: this.#url,
      logger: this.#log,
      name: "bus-sub",
      offlineQueue: true,
    });
    this.#sub = sub;
    sub.on("message", (channel, message) => this.#receive(channel, message));
    try {
      await sub.subscribe(this.candlesChannel, this.signalsChannel);
    } catch (e) {
      this.#log?.warn("bus: subscribe pending until redis is reachable", {
        error: (e as Error).message,
      });
    }
  }

  #receive(channel: string, message: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(message);
    } catch {
      this.#log?.warn("bus: dropped a non-JSON message", { channel, bytes: message.length });
      return;
    }
    if (channel === this.candlesChannel) {
      const m = msg as CandleAnnouncement;
      let problem: string | undefined;
      try {
        checkSeries(m?.symbol, m?.interval);
        problem = candleProblem(m.candle);
      } catch (e) {
        problem = (e as Error).message;
      }
      if (problem !== undefined) {
        this.#log?.warn("bus: dropped an invalid candle announcement", { problem });
        return;
      }
      for (const h of this.#candleHandlers) this.#call(h, m);
    } else if (channel === this.signalsChannel) {
      const problem = signalProblem(msg as SignalRecord);
      if (problem !== undefined) {
        this.#log?.warn("bus: dropped an invalid signal announcement", { problem });
        return;
      }
      for (const h of this.#signalHandlers) this.#call(h, msg as SignalRecord);
    }
  }

  #call<T>(h: Handler<T>, m: T): void {
    try {
      h(m);
    } catch (e) {
      this.#log?.error("bus: handler failed", { error: (e as Error).message });
    }
  }

  /** Closes both connections. */
  async stop(): Promise<void> {
    this.#candleHandlers.clear();
    this.#signalHandlers.clear();
    await closeRedis(this.#pub);
    if (this.#sub) await closeRedis(this.#sub);
    this.#sub = undefined;
  }
}
