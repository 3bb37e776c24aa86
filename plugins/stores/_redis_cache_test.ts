import assert from "node:assert/strict";
import { candle, recordingLogger, signal } from "../../tests/store_contract.ts";
import { MemoryStore } from "./memory.ts";
import { clearRedisPrefix, withRedisCache } from "./_redis_cache.ts";
import { closeRedis, connectRedis } from "./_redis_connection.ts";
import { RedisBus } from "./_redis_bus.ts";

const REDIS = "redis://127.0.0.1:6379";
let run = 0;
const prefix = () => `perptrix-test:cache:${Date.now()}-${Deno.pid}-${++run}:`;

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP proxy to the real Redis that a test can cut and restore (Redis "down" and "up"). */
class RedisProxy {
  #listener: Deno.Listener | undefined;
  #conns = new Set<Deno.Conn>();
  port = 0;
  open(): void {
    const l = Deno.listen({ hostname: "127.0.0.1", port: this.port });
    this.#listener = l;
    this.port = (l.addr as Deno.NetAddr).port;
    (async () => {
      for await (const c of l) {
        const up = await Deno.connect({ hostname: "127.0.0.1", port: 6379 });
        this.#conns.add(c).add(up);
        c.readable.pipeTo(up.writable).catch(() => {});
        up.readable.pipeTo(c.writable).catch(() => {});
      }
    })().catch(() => {});
  }
  cut(): void {
    this.#listener?.close();
    this.#listener = undefined;
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    this.#conns.clear();
  }
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
}

Deno.test("redis cache: first read warms from the store, later reads hit, writes keep it exact", async () => {
  const p = prefix();
  const inner = new MemoryStore();
  const store = withRedisCache(inner, { url: REDIS, prefix: p, hotCandles: 5 });
  try {
    await store.start();
    await until(() => store.health().then((h) => /redis ok/.test(h.detail ?? "")), "redis");
    await store.upsertCandles("BTC", "1m", Array.from({ length: 8 }, (_, i) => candle(i)));
    assert.deepEqual(await store.latestCandles("BTC", "1m", 3), [candle(5), candle(6), candle(7)]);
    assert.equal(store.stats.misses, 1);
    assert.deepEqual(
      await store.latestCandles("BTC", "1m", 5),
      [3, 4, 5, 6, 7].map((i) => candle(i)),
    );
    assert.equal(store.stats.hits, 1);
    // Write-through: a newer candle, a corrected one, and an old backfill below the hot window.
    await store.upsertCandles("BTC", "1m", [candle(8), candle(7, 500), candle(1, 900)]);
    assert.deepEqual(await store.latestCandles("BTC", "1m", 4), [
      candle(5),
      candle(6),
      candle(7, 500),
      candle(8),
    ]);
    assert.equal(store.stats.hits, 2);
    const r = connectRedis({ url: REDIS, offlineQueue: true });
    assert.equal(await r.zcard(`${p}candles:BTC:1m`), 5, "capped to hotCandles");
    await closeRedis(r);
    // More than the hot window goes to the store.
    assert.deepEqual(
      await store.latestCandles("BTC", "1m", 7),
      await inner.latestCandles("BTC", "1m", 7),
    );
  } finally {
    await store.stop();
    await clearRedisPrefix(REDIS, p);
  }
});

Deno.test("redis cache: with Redis down the store serves; after reconnect no stale candle is served", async () => {
  const p = prefix();
  const proxy = new RedisProxy();
  proxy.open();
  const inner = new MemoryStore();
  const store = withRedisCache(inner, {
    url: proxy.url,
    prefix: p,
    hotCandles: 10,
    logger: recordingLogger(),
  });
  try {
    await store.start();
    await until(() => store.health().then((h) => /redis ok/.test(h.detail ?? "")), "redis");
    await store.upsertCandles("BTC", "1m", [candle(0), candle(1)]);
    await store.latestCandles("BTC", "1m", 2); // warm
    proxy.cut();
    await until(() => store.health().then((h) => /redis down/.test(h.detail ?? "")), "redis down");
    // Writes and reads keep working from the store.
    await store.upsertCandles("BTC", "1m", [candle(2), candle(1, 111)]);
    assert.deepEqual(await store.latestCandles("BTC", "1m", 3), [
      candle(0),
      candle(1, 111),
      candle(2),
    ]);
    assert.equal(store.stats.dirty, 1);
    proxy.open();
    await until(() => store.stats.dirty === 0, "dirty keys cleaned after reconnect");
    // The stale cached series was dropped: reads are the store's truth (and re-warm).
    assert.deepEqual(await store.latestCandles("BTC", "1m", 3), [
      candle(0),
      candle(1, 111),
      candle(2),
    ]);
    assert.deepEqual(await store.latestCandles("BTC", "1m", 3), [
      candle(0),
      candle(1, 111),
      candle(2),
    ]);
  } finally {
    await store.stop();
    proxy.cut();
    await clearRedisPrefix(REDIS, p);
  }
});

Deno.test("redis cache: an unreachable Redis from the start costs nothing but speed", async () => {
  const store = withRedisCache(new MemoryStore(), { url: "redis://127.0.0.1:1", prefix: prefix() });
  try {
    await store.start();
    await store.upsertCandles("BTC", "1m", [candle(0)]);
    await store.upsertSignals([signal()]);
    assert.deepEqual(await store.latestCandles("BTC", "1m", 1), [candle(0)]);
    assert.deepEqual(await store.latestSignals(), [signal()]);
    assert.equal((await store.health()).ok, true);
  } finally {
    await store.stop();
  }
});

Deno.test("redis cache: latest signals are cached, only replaced by newer ones, and announced", async () => {
  const p = prefix();
  const channelPrefix = p.slice(0, -1);
  const bus = new RedisBus({ url: REDIS, channelPrefix });
  const listener = new RedisBus({ url: REDIS, channelPrefix });
  const heard: number[] = [];
  const store = withRedisCache(new MemoryStore(), { url: REDIS, prefix: p, bus });
  try {
    await listener.onSignal((s) => heard.push(s.time));
    await store.start();
    await until(() => store.health().then((h) => /redis ok/.test(h.detail ?? "")), "redis");
    await store.upsertSignals([signal({ time: 2000 })]);
    assert.deepEqual((await store.latestSignals()).map((s) => s.time), [2000]); // warm
    await store.upsertSignals([signal({ time: 1000 }), signal({ symbol: "ETH", time: 500 })]);
    const latest = await store.latestSignals();
    assert.deepEqual(latest.map((s) => `${s.symbol} ${s.time}`).sort(), ["BTC 2000", "ETH 500"]);
    assert.equal(store.stats.hits, 1);
    await until(() => heard.length === 3, "three announcements");
    assert.deepEqual(heard.sort(), [1000, 2000, 500].sort());
  } finally {
    await store.stop();
    await bus.stop();
    await listener.stop();
    await clearRedisPrefix(REDIS, p);
  }
});
