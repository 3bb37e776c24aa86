/**
 * The server side of `api_bench.ts`, in its own process so the load generator does not share its
 * thread. It serves, each on its own port:
 * - `kv`: the full API (`createApp`, every middleware) over the kv store, the service's default,
 *   on a database file in the folder given as the first argument (the bench deletes it);
 * - `memory`: the same API over the memory store;
 * - `hello`: a bare Hono "hello" route, the baseline.
 * Both stores hold the same real signals: the default strategy run by the engine over a year of
 * real BTC 1h candles (`SIGNAL_CANDLES`). Prints `{"kv": port, "memory": port, "hello": port,
 * "signals": n, "bytes_per_signal": b}` on stdout once all listen.
 * @module
 */
import { Hono } from "hono";
import { ConfigSchema } from "../core/config.ts";
import { discover } from "../core/registry.ts";
import type { SignalRecord } from "../core/signal.ts";
import type { Store } from "../core/store.ts";
import { KvStore } from "../plugins/stores/kv.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { createApp } from "../routes/app.ts";
import { createEvaluator } from "../runtime/engine_evaluator.ts";
import { BTC_1H, loadCandles } from "../tests/data.ts";

/** Candles fed to the engine: a year of 1h bars (the first ~50 are its warm-up). */
const SIGNAL_CANDLES = 24 * 365;

const registry = await discover({});
const config = ConfigSchema.parse({ symbols: ["BTC"], intervals: ["1h"] });
const evaluator = createEvaluator(registry, config);
const signals: SignalRecord[] = [];
for (const c of loadCandles(BTC_1H).slice(-SIGNAL_CANDLES)) {
  const s = evaluator.update("BTC", "1h", c);
  if (s) signals.push(s);
}

const dir = Deno.args[0];
if (!dir) throw new Error("usage: _api_server.ts <folder for the kv database>");
const kv = new KvStore(`${dir}/perptrix.kv`);
const memory = new MemoryStore();
const stores: Record<string, Store> = { kv, memory };
for (const store of Object.values(stores)) {
  await store.start();
  await store.upsertSignals(signals);
}
const apps: Record<string, Hono> = {
  hello: new Hono().get("/", (c) => c.text("hello")),
};
for (const [name, store] of Object.entries(stores)) {
  apps[name] = createApp({
    config,
    registry,
    store,
    version: "bench",
    startedAt: Date.now(),
    checks: {},
    roles: ["api"],
  }) as unknown as Hono;
}

const ports: Record<string, number> = {};
await Promise.all(
  Object.entries(apps).map(([name, app]) =>
    new Promise<void>((resolve) => {
      Deno.serve({
        hostname: "127.0.0.1",
        port: 0,
        onListen: (a) => {
          ports[name] = a.port;
          resolve();
        },
      }, app.fetch);
    })
  ),
);
const bytes = Math.round(
  signals.reduce((n, s) => n + JSON.stringify(s).length, 0) / signals.length,
);
console.log(JSON.stringify({ ...ports, signals: signals.length, bytes_per_signal: bytes }));
