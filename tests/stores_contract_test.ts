/**
 * Runs the one store contract on every store: memory, kv, questdb (against the fake), and the
 * Redis cache layer in front of memory and kv (real Redis on 127.0.0.1:6379).
 * @module
 */
import { recordingLogger, storeContract } from "./store_contract.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { KvStore } from "../plugins/stores/kv.ts";
import { QuestDbStore } from "../plugins/stores/questdb/mod.ts";
import { FakeQuestDb } from "./fakes/questdb.ts";
import { clearRedisPrefix, withRedisCache } from "../plugins/stores/_redis_cache.ts";
import type { Store } from "../core/store.ts";

storeContract("memory", async () => {
  const store = new MemoryStore();
  await store.start();
  return { store, cleanup: () => Promise.resolve() };
});

storeContract("kv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-kv-" });
  const path = `${dir}/db/perptrix.kv`;
  const store = new KvStore(path);
  await store.start();
  return {
    store,
    reopen: async () => {
      const again = new KvStore(path);
      await again.start();
      return again;
    },
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

storeContract("questdb", async () => {
  const fake = FakeQuestDb.start();
  const open = async () => {
    const s = new QuestDbStore(fake.config(), { flushIntervalMs: 50 }, recordingLogger());
    await s.start();
    return s;
  };
  return { store: await open(), reopen: open, cleanup: () => fake.stop() };
});

const REDIS_URL = "redis://127.0.0.1:6379";
let cacheRun = 0;

/** The cache layer in front of `inner`, under a key prefix unique to this test. */
function cached(
  name: string,
  inner: () => Promise<{ store: Store; reopen?: () => Promise<Store>; cleanup(): Promise<void> }>,
) {
  storeContract(`${name}+redis`, async () => {
    const prefix = `perptrix-test:${Date.now()}-${Deno.pid}-${++cacheRun}:`;
    const base = await inner();
    const wrap = async (s: Store) => {
      const c = withRedisCache(s, { url: REDIS_URL, prefix, hotCandles: 600 });
      await c.start();
      return c;
    };
    return {
      store: await wrap(base.store),
      reopen: base.reopen ? async () => await wrap(await base.reopen!()) : undefined,
      cleanup: async () => {
        await base.cleanup();
        await clearRedisPrefix(REDIS_URL, prefix);
      },
    };
  });
}

cached(
  "memory",
  () => Promise.resolve({ store: new MemoryStore(), cleanup: () => Promise.resolve() }),
);
cached("kv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-kv-" });
  const path = `${dir}/perptrix.kv`;
  return {
    store: new KvStore(path),
    reopen: async () => {
      const again = new KvStore(path);
      await again.start();
      return again;
    },
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});
