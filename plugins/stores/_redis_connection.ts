/**
 * Redis connections shared by the cache layer, the bus and (later) the job queue: fail-fast
 * commands with timeouts, automatic reconnection with capped backoff, and logs that never
 * carry the URL's credentials.
 * @module
 */
// @ts-types="./_ioredis.d.ts"
import { Redis } from "ioredis";
import { type Logger, redact } from "perptrix";

/** How to reach Redis. */
export interface RedisConnectionOptions {
  /** `redis://[user:pass@]host:port[/db]`. */
  url: string;
  logger?: Logger;
  /** Name in logs, e.g. "cache" or "bus". */
  name?: string;
  connectTimeoutMs?: number;
  /** Per-command timeout; a slow or dead server fails the command instead of hanging. */
  commandTimeoutMs?: number;
  /**
   * Queue commands while disconnected (subscriber connections need it so SUBSCRIBE issued
   * before the first connect is sent once connected). Off by default: commands fail fast.
   */
  offlineQueue?: boolean;
}

/** The Redis client type used across the project. */
export type RedisClient = Redis;

/** Longest wait between reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 5000;

/** Reconnection delay after `attempt` failures: 100 ms doubling, capped. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt, 16), MAX_RECONNECT_DELAY_MS);
}

/**
 * Creates a client and starts connecting in the background; never throws for an unreachable
 * server (commands fail until it is back, and it reconnects forever). Errors are logged once per
 * outage, not once per retry.
 */
export function connectRedis(opts: RedisConnectionOptions): Redis {
  const log = opts.logger;
  const name = opts.name ?? "redis";
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new Error(`${name}: redis url ${redact(opts.url)} is not a URL`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new Error(`${name}: redis url must start with redis:// or rediss://`);
  }
  const client = new Redis(opts.url, {
    lazyConnect: true,
    enableOfflineQueue: opts.offlineQueue ?? false,
    maxRetriesPerRequest: 1,
    connectTimeout: opts.connectTimeoutMs ?? 2000,
    commandTimeout: opts.commandTimeoutMs ?? 2000,
    retryStrategy: (times: number) => reconnectDelay(times),
  });
  let down = false;
  client.on("error", (e: Error) => {
    if (down) return;
    down = true;
    log?.warn(`${name}: redis unavailable; continuing without it and reconnecting`, {
      error: redact(e.message),
    });
  });
  client.on("ready", () => {
    if (down) log?.info(`${name}: redis reconnected`);
    down = false;
  });
  client.connect().catch(() => {/* reported by the error handler; ioredis keeps retrying */});
  return client;
}

/** Closes a client without waiting for pending replies when Redis is gone. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === "end") return;
  if (client.status === "connecting" || client.status === "connect") {
    // Let a connection attempt settle first: cutting it short leaves its timeout timer behind.
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off("ready", done);
        client.off("close", done);
        resolve();
      };
      const timer = setTimeout(done, 3000);
      client.on("ready", done);
      client.on("close", done);
    });
  }
  if (client.status === "ready") {
    try {
      await client.quit();
      return;
    } catch { /* fall through */ }
  }
  client.disconnect(false);
}
