import assert from "node:assert/strict";
import { candle, recordingLogger } from "../../tests/store_contract.ts";
import { type CandleAnnouncement, RedisBus } from "./_redis_bus.ts";
import { closeRedis, connectRedis } from "./_redis_connection.ts";

const REDIS = "redis://127.0.0.1:6379";

async function until(cond: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("redis bus: closed candles reach other processes; invalid messages are dropped and logged", async () => {
  const channelPrefix = `perptrix-test:bus:${Date.now()}-${Deno.pid}`;
  const log = recordingLogger();
  const pub = new RedisBus({ url: REDIS, channelPrefix });
  const sub = new RedisBus({ url: REDIS, channelPrefix, logger: log });
  const raw = connectRedis({ url: REDIS, offlineQueue: true });
  const got: CandleAnnouncement[] = [];
  try {
    await sub.onCandle((m) => got.push(m));
    // Published before anyone listens are lost by design (pub/sub); wait for the subscription.
    let sent = false;
    for (let i = 0; i < 100 && !sent; i++) {
      sent = (await raw.publish(sub.candlesChannel, "not json")) > 0;
      if (!sent) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(sent, "subscriber is listening");
    await raw.publish(
      sub.candlesChannel,
      JSON.stringify({ symbol: "BTC", interval: "1m", candle: { ...candle(0), high: 1 } }),
    );
    let published = false;
    for (let i = 0; i < 100 && !published; i++) {
      published = await pub.publishCandle("BTC", "1m", candle(1)); // false until connected
      if (!published) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(published);
    await until(() => got.length === 1, "the valid announcement");
    assert.deepEqual(got, [{ symbol: "BTC", interval: "1m", candle: candle(1) }]);
    assert.ok(log.lines.some((l) => l.includes("dropped a non-JSON message")));
    assert.ok(log.lines.some((l) => l.includes("dropped an invalid candle announcement")));
    assert.equal(await pub.publishCandle("BTC", "1m", { ...candle(2), close: NaN }), false);
  } finally {
    await pub.stop();
    await sub.stop();
    await closeRedis(raw);
  }
});
