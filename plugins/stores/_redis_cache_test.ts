import assert from "node:assert/strict";
import type { Candle, Interval, SignalRecord } from "perptrix";
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const times = (rows: Candle[]) => rows.map((c) => c.time);
const redisOk = (s: { health(): Promise<{ detail?: string }> }) => () =>
  s.health().then((h) => /redis ok/.test(h.detail ?? ""));

/** A store whose writes become visible to reads only on `flush()`, like the questdb buffer. */
class BufferedStore extends MemoryStore {
  #candles: [string, Interval, Candle[]][] = [];
  #signals: SignalRecord[][] = [];
  override upsertCandles(symbol: string, interval: Interval, rows: readonly Candle[]) {
    this.#candles.push([symbol, interval, [...rows]]);
    return Promise.resolve();
  }
  override upsertSignals(rows: readonly SignalRecord[]) {
    this.#signals.push([...rows]);
    return Promise.resolve();
  }
  override async flush() {
    for (const [s, i, rows] of this.#candles.splice(0)) await super.upsertCandles(s, i, rows);
    for (const rows of this.#signals.splice(0)) await super.upsertSignals(rows);
  }
}

/** A store whose latest-signals read takes a while: a write can land during a cache fill. */
class SlowLatestSignals extends MemoryStore {
  override async latestSignals() {
    const rows = await super.latestSignals();
    await sleep(200);
    return rows;
  }
}

Deno.test("redis cache: a latest-signals fill never loses a write that raced it", async () => {
  for (
    const [name, first, second] of [
      ["a newer signal", signal({ time: 60_000 }), signal({ time: 120_000 })],
      ["a same-time correction", signal({ score: 1 }), signal({ score: 2 })],
    ] as const
  ) {
    const p = prefix();
    const inner = new SlowLatestSignals();
    await inner.upsertSignals([first]);
    const store = withRedisCache(inner, { url: REDIS, prefix: p });
    try {
      await store.start();
      await until(redisOk(store), "redis");
      const filling = store.latestSignals(); // cold: reads the store's snapshot, then fills
      await sleep(50);
      await store.upsertSignals([second]); // lands while the fill is in flight
      await filling;
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(await store.latestSignals(), [second], name);
      }
      assert.equal(store.stats.hits, 2, name);
    } finally {
      await store.stop();
      await clearRedisPrefix(REDIS, p);
    }
  }
});

Deno.test("redis cache: in front of a buffered store, accepted candles are never lost from the hot window", async () => {
  const p = prefix();
  const db = new BufferedStore();
  const writer = withRedisCache(db, { url: REDIS, prefix: p, hotCandles: 10 });
  const reader = withRedisCache(db, { url: REDIS, prefix: p, hotCandles: 10 });
  try {
    await writer.start();
    await reader.start();
    await until(redisOk(writer), "redis");
    await until(redisOk(reader), "redis");
    await writer.upsertCandles("BTC", "1m", [candle(1), candle(2)]);
    await writer.flush();
    await writer.upsertCandles("BTC", "1m", [candle(3)]); // accepted, not visible yet
    // Cold reads fill from the store's snapshot, which lacks candle 3.
    assert.deepEqual(
      times(await reader.latestCandles("BTC", "1m", 10)),
      times([1, 2, 3].map((i) => candle(i))),
    );
    assert.deepEqual(
      times(await writer.latestCandles("BTC", "1m", 10)),
      times([1, 2, 3].map((i) => candle(i))),
    );
    await writer.flush();
    await writer.upsertCandles("BTC", "1m", [candle(4), candle(2, 222)]);
    const want = [candle(1), candle(2, 222), candle(3), candle(4)];
    assert.deepEqual(await reader.latestCandles("BTC", "1m", 10), want);
    assert.deepEqual(await writer.latestCandles("BTC", "1m", 10), want);
    await writer.flush();
    assert.deepEqual(await db.latestCandles("BTC", "1m", 10), want);
    assert.ok(reader.stats.hits >= 1 && writer.stats.hits >= 1);
  } finally {
    await writer.stop();
    await reader.stop();
    await clearRedisPrefix(REDIS, p);
  }
});

Deno.test("redis cache: a failed cache update without a disconnect leaves no hole for other processes", async () => {
  const p = prefix();
  const admin = connectRedis({ url: REDIS, offlineQueue: true });
  const user = `perptrix-test-${Date.now()}-${Deno.pid}-${++run}`;
  const pass = crypto.randomUUID();
  const acl = (...rules: string[]) => admin.call("ACL", "SETUSER", user, ...rules);
  await acl("reset", "on", `>${pass}`, "~*", "&*", "+@all");
  const db = new BufferedStore();
  // The writer's connection stays up; its commands on the cache keys start failing (NOPERM).
  const writer = withRedisCache(db, { url: `redis://${user}:${pass}@127.0.0.1:6379`, prefix: p });
  const reader = withRedisCache(db, { url: REDIS, prefix: p });
  try {
    await writer.start();
    await reader.start();
    await until(redisOk(writer), "redis");
    await until(redisOk(reader), "redis");
    await writer.upsertCandles("BTC", "1m", [candle(1), candle(2), candle(3)]);
    await writer.upsertSignals([signal({ time: candle(3).time })]);
    await writer.flush();
    assert.equal((await reader.latestCandles("BTC", "1m", 10)).length, 3); // warm
    assert.equal((await reader.latestSignals())[0].time, candle(3).time); // warm
    // Only the warm flags and the hole registry stay writable for the writer.
    await acl("resetkeys", `~${p}*:warm`, `~${p}*:holes`);
    await writer.upsertCandles("BTC", "1m", [candle(4)]);
    await writer.upsertSignals([signal({ time: candle(4).time })]);
    await writer.flush();
    // The reader must not keep serving the cache that lacks them.
    assert.deepEqual(
      times(await reader.latestCandles("BTC", "1m", 10)),
      times([1, 2, 3, 4].map((i) => candle(i))),
    );
    assert.deepEqual((await reader.latestSignals()).map((s) => s.time), [candle(4).time]);
    assert.ok(writer.stats.dirty > 0, "the writer bypasses the cache it could not update");
    // Redis accepts the writer's commands again: the rows are re-sent without any reconnect.
    await acl("allkeys");
    await until(() => writer.stats.dirty === 0, "the holes to be repaired", 8000);
    await writer.upsertCandles("BTC", "1m", [candle(5)]);
    const want = times([1, 2, 3, 4, 5].map((i) => candle(i)));
    assert.deepEqual(times(await reader.latestCandles("BTC", "1m", 10)), want);
    assert.deepEqual(times(await reader.latestCandles("BTC", "1m", 10)), want);
    assert.deepEqual(times(await writer.latestCandles("BTC", "1m", 10)), want);
    assert.deepEqual((await reader.latestSignals()).map((s) => s.time), [candle(4).time]);
    assert.ok(writer.stats.hits >= 1, "the writer reads from redis again");
  } finally {
    await writer.stop();
    await reader.stop();
    await admin.call("ACL", "DELUSER", user).catch(() => {});
    await closeRedis(admin);
    await clearRedisPrefix(REDIS, p);
  }
});

Deno.test("redis: an unusable URL is reported without its password, even with no user name", () => {
  for (const url of ["redis://:s3cret@cache.internal:badport/0", "redis://u:s3cret@h:99999"]) {
    assert.throws(
      () => withRedisCache(new MemoryStore(), { url, prefix: prefix() }),
      (e) => /is not a URL/.test(String(e)) && !String(e).includes("s3cret"),
      url,
    );
  }
});
