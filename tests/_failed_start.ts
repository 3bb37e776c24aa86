/**
 * Test helper run as a child process: starts the service over a store whose start fails, with
 * Redis configured, and returns. The process exits on its own only if nothing (such as the Redis
 * cache's client) was left open.
 * @module
 */
import { buildConfig } from "../core/config.ts";
import { createLogger, setLogLevel } from "../core/log.ts";
import { discover } from "../core/registry.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { startService } from "../runtime/service.ts";

setLogLevel("error");
const registry = await discover();
registry.stores.set("broken", {
  kind: "store",
  id: "broken",
  description: "a store whose start fails",
  create: () => {
    const mem = new MemoryStore();
    mem.start = () => Promise.reject(new Error("disk full (injected)"));
    return mem;
  },
});
const config = buildConfig({
  store: "broken",
  symbols: ["BTC"],
  intervals: ["1m"],
  port: 0,
  hostname: "127.0.0.1",
  redis_url: "redis://127.0.0.1:6379",
  queue: { prefix: `perptrix-test-${crypto.randomUUID().slice(0, 8)}` },
});
try {
  await startService({
    config,
    registry,
    roles: new Set(["api"] as const),
    logger: createLogger("test"),
  });
  console.log("started");
} catch (e) {
  console.log(`refused: ${(e as Error).message}`);
}
