import assert from "node:assert/strict";
// @ts-types="../plugins/stores/_ioredis.d.ts"
import { Redis } from "ioredis";
import { createLogger, setLogLevel } from "../core/log.ts";
import { IngestLock } from "./ingest_lock.ts";

setLogLevel("error");
const logger = createLogger("test");

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("ingest lock: one holder; a standby takes over when the holder dies or leaves", async () => {
  const key = `perptrix-test:${crypto.randomUUID()}:ingest:lock`;
  const ca = new Redis("redis://127.0.0.1:6379");
  const cb = new Redis("redis://127.0.0.1:6379");
  const events: string[] = [];
  const mk = (name: string, client: Redis) =>
    new IngestLock({
      client,
      key,
      owner: name,
      ttlMs: 1000,
      logger,
      onAcquired: () => void events.push(`${name}+`),
      onLost: () => void events.push(`${name}-`),
    });
  const a = mk("a", ca);
  const b = mk("b", cb);
  try {
    a.start();
    await until(() => a.held);
    b.start();
    await new Promise((r) => setTimeout(r, 1500)); // several renewals: b stays standby
    assert.equal(b.held, false);
    assert.equal(await ca.get(key), "a");
    // The holder "dies": its key is stolen as if its TTL ran out while it was frozen.
    await ca.set(key, "b", "PX", 1000);
    await until(() => !a.held); // a notices on its next renewal and steps down
    await until(() => b.held);
    assert.deepEqual(events, ["a+", "a-", "b+"]);
    await b.stop(); // a clean stop releases the key at once
    assert.equal(await ca.get(key), null);
    await until(() => a.held, 3000);
  } finally {
    await a.stop();
    await b.stop();
    await ca.del(key);
    await ca.quit();
    await cb.quit();
  }
});
