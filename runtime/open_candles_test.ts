import assert from "node:assert/strict";
// @ts-types="../plugins/stores/_ioredis.d.ts"
import { Redis } from "ioredis";
import type { Candle } from "../core/candle.ts";
import { intervalMs } from "../core/interval.ts";
import { recordingLogger } from "../tests/store_contract.ts";
import { MemoryOpenCandles, RedisOpenCandles } from "./open_candles.ts";

const REDIS = "redis://127.0.0.1:6379";
const T0 = Date.UTC(2025, 6, 25);

function bar(minute: number, close = 100): Candle {
  return { time: T0 + minute * 60_000, open: 100, high: 110, low: 90, close, volume: 1 };
}

Deno.test("memory open candles: newest state per series; older and invalid states ignored", async () => {
  const oc = new MemoryOpenCandles();
  assert.equal(await oc.get("BTC", "1m"), undefined);
  oc.put("BTC", "1m", bar(1, 101));
  oc.put("BTC", "1m", bar(1, 102)); // a later update of the same bar
  oc.put("BTC", "1m", bar(0, 99)); // a stale bar arriving late
  oc.put("BTC", "1m", { ...bar(2), high: 1 }); // invalid (high below open)
  oc.put("ETH", "1m", bar(1, 95));
  oc.put("BTC", "5m", bar(0, 96));
  assert.deepEqual(await oc.get("BTC", "1m"), bar(1, 102));
  assert.deepEqual(await oc.get("ETH", "1m"), bar(1, 95));
  assert.deepEqual(await oc.get("BTC", "5m"), bar(0, 96));
  await oc.close();
});

async function ready(r: Redis): Promise<void> {
  const end = Date.now() + 5000;
  while (r.status !== "ready") {
    if (Date.now() > end) throw new Error(`redis not ready: ${r.status}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

Deno.test("redis open candles: ingest publishes, another process reads, with a TTL of two intervals", async () => {
  const prefix = `perptrix-test-open-${crypto.randomUUID()}`;
  const a = new Redis(REDIS, { maxRetriesPerRequest: 1 });
  const b = new Redis(REDIS, { maxRetriesPerRequest: 1 });
  const logger = recordingLogger();
  // flushMs 0: no timer, flushes happen when the test says.
  const ingest = new RedisOpenCandles(a, prefix, logger, 0);
  const api = new RedisOpenCandles(b, prefix, logger, 0);
  try {
    await ready(a);
    await ready(b);
    ingest.put("xyz:AB", "1m", bar(1, 101));
    ingest.put("xyz:AB", "1m", bar(1, 103)); // coalesced: one write of the newest state
    ingest.put("BTC", "1m", { ...bar(1), close: NaN }); // invalid: never published
    assert.equal(await api.get("xyz:AB", "1m"), undefined, "nothing before a flush");
    await ingest.flush();
    assert.deepEqual(await api.get("xyz:AB", "1m"), bar(1, 103));
    assert.equal(await api.get("BTC", "1m"), undefined);
    const key = `${prefix}:open:${encodeURIComponent("xyz:AB")}:1m`;
    const ttl = Number(await b.eval("return redis.call('PTTL', KEYS[1])", 1, key));
    assert.ok(ttl > 0 && ttl <= 2 * intervalMs("1m"), `ttl ${ttl}`);
    // Garbage under the key (or a bad candle) reads as no open candle, not an error.
    await b.set(key, "{not json");
    assert.equal(await api.get("xyz:AB", "1m"), undefined);
    await b.set(key, JSON.stringify({ ...bar(1), low: 200 }));
    assert.equal(await api.get("xyz:AB", "1m"), undefined);
    // close() publishes what is still pending.
    ingest.put("ETH", "5m", bar(5, 94));
    await ingest.close();
    assert.deepEqual(await api.get("ETH", "5m"), bar(5, 94));
  } finally {
    await api.close();
    const [, keys] = await b.scan(0, "MATCH", `${prefix}:*`, "COUNT", 1000);
    if (keys.length > 0) await b.del(...keys);
    a.disconnect();
    b.disconnect();
  }
});

Deno.test("redis open candles: a get answers within its timeout when Redis does not", async () => {
  // A client that never connects (nothing listens on port 1): the get must fail fast, not hang.
  const r = new Redis("redis://127.0.0.1:1", {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    retryStrategy: () => 50,
  });
  r.on("error", () => {});
  const oc = new RedisOpenCandles(r, "p", recordingLogger(), 0, 200);
  try {
    await assert.rejects(oc.get("BTC", "1m"), /timed out/);
    oc.put("BTC", "1m", bar(1));
    await oc.flush(); // not ready: kept for later, no throw
  } finally {
    r.disconnect();
  }
});
