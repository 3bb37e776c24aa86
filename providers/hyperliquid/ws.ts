/**
 * WebSocket connections to Hyperliquid: one {@linkcode WsShard} per connection, each owning a
 * slice of the subscriptions. A shard keeps itself alive with the app-level `{"method":"ping"}`
 * (the server drops connections idle for 60 s), treats a silent socket as dead, reconnects with
 * capped jittered backoff and resubscribes everything on every open. Frames are handed to the
 * owner unparsed; the owner validates them.
 * @module
 */
import type { Logger } from "perptrix";
import { counter, gauge } from "../../core/metrics.ts";
import { backoffDelay } from "./backoff.ts";
import type { Subscription } from "./schemas.ts";
import type { WeightBudget } from "./weight_budget.ts";

/** Hyperliquid allows at most this many subscriptions per IP (§4). */
export const MAX_SUBSCRIPTIONS = 1000;
/** …and at most this many simultaneous connections per IP (§4). */
export const MAX_CONNECTIONS = 10;

const wsConnected = gauge(
  "perptrix_ws_connected",
  "1 while the Hyperliquid WebSocket connection is open, per connection.",
  ["connection"],
);
const wsReconnects = counter(
  "perptrix_ws_reconnects_total",
  "Hyperliquid WebSocket reconnect attempts.",
);

/**
 * Splits subscriptions over as few connections as `perConnection` allows. Throws when the
 * venue's limits (1000 subscriptions, 10 connections) cannot be met, naming the numbers.
 */
export function planShards(
  subs: readonly Subscription[],
  perConnection: number,
  maxConnections = MAX_CONNECTIONS,
  maxSubscriptions = MAX_SUBSCRIPTIONS,
): Subscription[][] {
  if (subs.length > maxSubscriptions) {
    throw new RangeError(
      `${subs.length} subscriptions needed (symbols × (intervals + 1)) but Hyperliquid allows ` +
        `${maxSubscriptions}; configure fewer symbols or intervals`,
    );
  }
  const per = Math.max(1, Math.ceil(subs.length / maxConnections), Math.floor(perConnection));
  const shards: Subscription[][] = [];
  for (let i = 0; i < subs.length; i += per) shards.push(subs.slice(i, i + per));
  if (shards.length > maxConnections) {
    throw new RangeError(
      `${shards.length} connections needed, Hyperliquid allows ${maxConnections}`,
    );
  }
  return shards;
}

/** Timing and callbacks of one shard. */
export interface WsShardOptions {
  url: string;
  /** Label for metrics and logs, e.g. `"0"`. */
  name: string;
  subscriptions: readonly Subscription[];
  logger: Logger;
  /** Shared limit on messages sent (2000/min across connections). */
  sendBudget: WeightBudget;
  /** Shared limit on new connections (30/min). */
  connectBudget: WeightBudget;
  onOpen(shard: WsShard): void;
  onClose(shard: WsShard): void;
  onMessage(text: string, shard: WsShard): void;
  pingIntervalMs?: number;
  /** No inbound frame (data or pong) for this long → the socket is considered dead. */
  deadAfterMs?: number;
  connectTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** An open connection lasting this long resets the backoff. */
  stableAfterMs?: number;
}

/** One self-healing WebSocket connection. */
export class WsShard {
  readonly name: string;
  readonly subscriptions: readonly Subscription[];
  #o: Required<WsShardOptions>;
  #ws: WebSocket | undefined;
  #open = false;
  #stopped = true;
  #attempt = 0;
  #openedAt = 0;
  #lastInbound = 0;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #closed: PromiseWithResolvers<void> | undefined;
  /** Aborted by `stop()`, so budget waits (up to a minute) end with it. */
  #abort = new AbortController();

  constructor(o: WsShardOptions) {
    this.name = o.name;
    this.subscriptions = o.subscriptions;
    this.#o = {
      pingIntervalMs: 25_000,
      deadAfterMs: 45_000,
      connectTimeoutMs: 10_000,
      backoffBaseMs: 500,
      backoffCapMs: 30_000,
      stableAfterMs: 10_000,
      ...o,
    };
  }

  /** True while the socket is open. */
  get connected(): boolean {
    return this.#open;
  }

  /** Starts connecting (returns at once; the shard reconnects until stopped). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#abort = new AbortController();
    void this.#connect();
  }

  #later(ms: number, fn: () => void): void {
    const id = setTimeout(() => {
      this.#timers.delete(id);
      fn();
    }, ms);
    this.#timers.add(id);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#o.connectBudget.take(1, this.#abort.signal);
    } catch { /* stopped, or the budget gave up: connect anyway, the backoff still paces us */ }
    if (this.#stopped) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.#o.url);
    } catch (e) {
      this.#o.logger.error("websocket url rejected", { error: e });
      this.#scheduleReconnect();
      return;
    }
    this.#ws = ws;
    this.#connectTimer = setTimeout(() => {
      if (this.#ws === ws && !this.#open) this.#abandon(ws);
    }, this.#o.connectTimeoutMs);
    ws.onopen = () => {
      if (this.#ws !== ws || this.#stopped) return ws.close(1000);
      this.#clearConnectTimer();
      this.#open = true;
      this.#openedAt = performance.now();
      this.#lastInbound = this.#openedAt;
      wsConnected.set({ connection: this.name }, 1);
      this.#o.logger.info("websocket open", {
        connection: this.name,
        subscriptions: this.subscriptions.length,
      });
      this.#startHeartbeat(ws);
      this.#o.onOpen(this);
      void this.#subscribeAll(ws);
    };
    ws.onmessage = (ev) => {
      // A socket we gave up on may still deliver frames: its state is no longer ours to apply.
      if (this.#ws !== ws) return;
      this.#lastInbound = performance.now();
      if (typeof ev.data === "string") this.#o.onMessage(ev.data, this);
      else this.#o.onMessage("", this);
    };
    ws.onerror = () => {/* onclose follows */};
    ws.onclose = () => this.#teardown(ws);
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
  }

  /**
   * Forgets `ws` on our side (no-op unless it is the current socket, so it runs once per
   * socket): heartbeat off, disconnected, `onClose`, then a reconnect (or `stop` resolves).
   * Shared by `onclose` and by the paths that cannot wait for it: a peer that stopped talking
   * may never complete the close handshake (half-open TCP), and then `onclose` never fires.
   */
  #teardown(ws: WebSocket): void {
    if (this.#ws !== ws) return;
    this.#ws = undefined;
    this.#clearConnectTimer();
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    const wasOpen = this.#open;
    this.#open = false;
    wsConnected.set({ connection: this.name }, 0);
    if (wasOpen) {
      if (performance.now() - this.#openedAt >= this.#o.stableAfterMs) this.#attempt = 0;
      this.#o.onClose(this);
    }
    if (this.#stopped) this.#closed?.resolve();
    else this.#scheduleReconnect();
  }

  /** Tears `ws` down on our side first, then asks it to close (the peer may never answer). */
  #abandon(ws: WebSocket): void {
    this.#teardown(ws);
    try {
      ws.close();
    } catch { /* already closing */ }
  }

  async #subscribeAll(ws: WebSocket): Promise<void> {
    for (const s of this.subscriptions) {
      try {
        await this.#o.sendBudget.take(1, this.#abort.signal);
      } catch {
        return;
      }
      if (this.#ws !== ws || !this.#open) return;
      ws.send(JSON.stringify({ method: "subscribe", subscription: s }));
    }
  }

  #startHeartbeat(ws: WebSocket): void {
    const every = Math.max(10, Math.min(this.#o.pingIntervalMs, this.#o.deadAfterMs / 2));
    this.#heartbeat = setInterval(() => {
      if (this.#ws !== ws || !this.#open) return;
      if (performance.now() - this.#lastInbound > this.#o.deadAfterMs) {
        this.#o.logger.warn("websocket silent, reconnecting", { connection: this.name });
        this.#abandon(ws);
        return;
      }
      ws.send('{"method":"ping"}');
    }, every);
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    const delay = backoffDelay(this.#attempt++, {
      baseMs: this.#o.backoffBaseMs,
      capMs: this.#o.backoffCapMs,
    });
    wsReconnects.inc();
    this.#o.logger.info("websocket reconnecting", { connection: this.name, delayMs: delay });
    this.#later(delay, () => void this.#connect());
  }

  /** Closes the connection for test fault injection or operator action; it reconnects. */
  drop(): void {
    if (this.#ws !== undefined) this.#abandon(this.#ws);
  }

  /** Stops for good; resolves when closed or after `timeoutMs`. */
  async stop(timeoutMs = 2000): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error("websocket shard stopped"));
    for (const id of this.#timers) clearTimeout(id);
    this.#timers.clear();
    const ws = this.#ws;
    if (ws === undefined) return;
    this.#closed = Promise.withResolvers();
    try {
      ws.close(1000);
    } catch { /* already closing */ }
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#closed.promise,
      new Promise<void>((r) => t = setTimeout(r, timeoutMs)),
    ]);
    clearTimeout(t);
    // No close handshake in time (a silent peer): forget the socket anyway.
    this.#teardown(ws);
  }
}
