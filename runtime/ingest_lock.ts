/**
 * The single-ingest lock: a Redis key `<prefix>:ingest:lock` holding the owner's id with a TTL.
 * The holder renews it every third of the TTL; a standby tries to take it at the same pace, so
 * when the holder dies another ingest takes over within about one TTL. A holder that cannot renew
 * (Redis unreachable, or the key now names someone else) gives up ingesting as soon as its lease
 * may have expired, so two ingests never run past one TTL of overlap.
 * @module
 */
// @ts-types="../plugins/stores/_ioredis.d.ts"
import type { Redis } from "ioredis";
import type { Logger } from "../core/log.ts";
import { gauge } from "../core/metrics.ts";

const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** 1 while this process holds the ingest lock. */
export const ingestLeader = gauge("perptrix_ingest_leader", "1 while this process is the ingest");

/** Options of {@linkcode IngestLock}. */
export interface IngestLockOptions {
  client: Redis;
  key: string;
  /** Unique id of this process (host, pid, random). */
  owner: string;
  ttlMs: number;
  logger: Logger;
  /** Called when the lock is won; ingestion starts here. */
  onAcquired: () => Promise<void> | void;
  /** Called when the lock is lost or released; ingestion must stop here. */
  onLost: () => Promise<void> | void;
  /** Per-call timeout (default a third of the TTL). */
  commandTimeoutMs?: number;
}

/** A lease on the ingest role. */
export class IngestLock {
  readonly #o: IngestLockOptions;
  #held = false;
  #renewedAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #tick: Promise<void> = Promise.resolve();

  constructor(opts: IngestLockOptions) {
    this.#o = opts;
  }

  /** True while the lease is held. */
  get held(): boolean {
    return this.#held;
  }

  /** Starts competing for the lock (first try immediately). */
  start(): void {
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#step().finally(() => this.#schedule(Math.floor(this.#o.ttlMs / 3)));
    }, ms);
  }

  async #call(script: string): Promise<number> {
    const ms = this.#o.commandTimeoutMs ?? Math.max(200, Math.floor(this.#o.ttlMs / 3));
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        this.#o.client.eval(script, 1, this.#o.key, this.#o.owner, this.#o.ttlMs) as Promise<
          number
        >,
        new Promise<number>((_, rej) => {
          timer = setTimeout(() => rej(new Error(`no answer from redis in ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #step(): Promise<void> {
    const started = Date.now();
    let won: boolean;
    try {
      won = (await this.#call(ACQUIRE)) === 1;
    } catch (e) {
      if (this.#held && Date.now() - this.#renewedAt >= this.#o.ttlMs * 2 / 3) {
        // Another process may own the key once our TTL runs out: stop before it does.
        this.#o.logger.warn("ingest lock cannot be renewed; stepping down", { error: e });
        await this.#lose();
      }
      return;
    }
    if (won) {
      this.#renewedAt = started;
      if (!this.#held && !this.#stopped) {
        this.#held = true;
        ingestLeader.set(1);
        this.#o.logger.info("ingest lock acquired", { key: this.#o.key });
        try {
          await this.#o.onAcquired();
        } catch (e) {
          this.#o.logger.error("ingest start failed; releasing the lock", { error: e });
          await this.#lose();
          await this.#call(RELEASE).catch(() => 0);
        }
      }
    } else if (this.#held) {
      this.#o.logger.warn("ingest lock taken by another process; stepping down");
      await this.#lose();
    }
  }

  async #lose(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    ingestLeader.set(0);
    try {
      await this.#o.onLost();
    } catch (e) {
      this.#o.logger.error("ingest stop failed", { error: e });
    }
  }

  /** Stops competing; stops ingestion and releases the key when held. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick.catch(() => {});
    const wasHeld = this.#held;
    await this.#lose();
    if (wasHeld) await this.#call(RELEASE).catch(() => 0);
  }
}
