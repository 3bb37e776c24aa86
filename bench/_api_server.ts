/**
 * The server side of `api_bench.ts`, in its own process so the load generator does not share its
 * thread: the full API (`createApp`, every middleware) over a memory store holding real signals
 * (the default strategy over real BTC 1h candles), and a bare Hono "hello" route for the ratio.
 * Prints `{"api": port, "hello": port}` on stdout once both listen.
 * @module
 */
import { Hono } from "hono";
import { ConfigSchema } from "../core/config.ts";
import { discover } from "../core/registry.ts";
import type { SignalRecord } from "../core/signal.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { createApp } from "../routes/app.ts";
import { createEvaluator } from "../runtime/engine_evaluator.ts";
import { BTC_1H, loadCandles } from "../tests/data.ts";

const registry = await discover({});
const config = ConfigSchema.parse({ symbols: ["BTC"], intervals: ["1h"], store: "memory" });
const store = new MemoryStore();
await store.start();
const evaluator = createEvaluator(registry, config);
const signals: SignalRecord[] = [];
for (const c of loadCandles(BTC_1H).slice(0, 1200)) {
  const s = evaluator.update("BTC", "1h", c);
  if (s) signals.push(s);
}
await store.upsertSignals(signals);

const api = createApp({
  config,
  registry,
  store,
  version: "bench",
  startedAt: Date.now(),
  checks: {},
  roles: ["api"],
});
const hello = new Hono().get("/", (c) => c.text("hello"));

const ports: Record<string, number> = {};
await Promise.all(
  [["api", api], ["hello", hello]].map(([name, app]) =>
    new Promise<void>((resolve) => {
      Deno.serve({
        hostname: "127.0.0.1",
        port: 0,
        onListen: (a) => {
          ports[name as string] = a.port;
          resolve();
        },
      }, (app as Hono).fetch);
    })
  ),
);
console.log(JSON.stringify({ ...ports, signals: signals.length }));
