/**
 * Store speed, each as a ratio against a named alternative measured in the same run:
 * - batched upserts of 100,000 real 1m candles: kv (256-candle blocks) and memory, against a kv
 *   layout with one key per candle (the obvious alternative the block layout replaces);
 * - reading the latest 500 candles: same three;
 * - QuestDB ILP encoding of 100,000 candle rows: the store's encoder (`questdb/ilp.ts`, v2 binary
 *   and v1 text doubles) against the client library's own Sender buffer doing the same rows.
 * Also prints candles/s and rows/s from one timed pass of each, for the targets
 * (≥ 100,000 upserts/s, latest-500 < 2 ms, ≥ 200,000 ILP rows/s).
 * @module
 */
// @ts-types="../plugins/stores/questdb/client.d.ts"
import { Sender, SenderOptions } from "@questdb/nodejs-client";
import type { Candle } from "../core/candle.ts";
import { KvStore } from "../plugins/stores/kv.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { IlpEncoder } from "../plugins/stores/questdb/ilp.ts";
import { BTC_1M, loadCandles } from "../tests/data.ts";

const N = 100_000;
const candles: Candle[] = loadCandles(BTC_1M).slice(0, N);
const dir = await Deno.makeTempDir({ prefix: "perptrix-bench-" });

const kv = new KvStore(`${dir}/blocks.kv`);
await kv.start();
const memory = new MemoryStore();
const naive = await Deno.openKv(`${dir}/naive.kv`);

/** The alternative layout: one KV entry per candle, 1,000 per atomic commit. */
async function naiveUpsert(rows: readonly Candle[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const op = naive.atomic();
    for (const c of rows.slice(i, i + 1000)) op.set(["c", "BTC", "1m", c.time], c);
    await op.commit();
  }
}

async function naiveLatest(n: number): Promise<Candle[]> {
  const out: Candle[] = [];
  for await (
    const e of naive.list<Candle>({ prefix: ["c", "BTC", "1m"] }, { reverse: true, limit: n })
  ) {
    out.push(e.value);
  }
  return out.reverse();
}

function encoder(version: "1" | "2"): Sender {
  const o = new SenderOptions(
    `http::addr=127.0.0.1:9;protocol_version=${version};auto_flush=off;max_buf_size=1073741824`,
  );
  return new Sender(o);
}
const v2 = encoder("2");

async function encode(s: Sender, rows: readonly Candle[]): Promise<void> {
  s.reset();
  for (const c of rows) {
    s.table("candles").symbol("symbol", "BTC").symbol("interval", "1m")
      .floatColumn("open", c.open).floatColumn("high", c.high).floatColumn("low", c.low)
      .floatColumn("close", c.close).floatColumn("volume", c.volume);
    await s.at(c.time, "ms");
  }
}

const fast2 = new IlpEncoder(2);
const fast1 = new IlpEncoder(1);

function encodeFast(e: IlpEncoder, rows: readonly Candle[]): Promise<void> {
  e.reset();
  for (const c of rows) e.candle("BTC", "1m", c);
  return Promise.resolve();
}

async function rate(label: string, unit: string, rows: number, fn: () => Promise<unknown>) {
  await fn();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  console.log(
    `${label}: ${Math.round(rows / (ms / 1000)).toLocaleString("en")} ${unit}/s (${
      ms.toFixed(1)
    } ms)`,
  );
}

async function latency(label: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) await fn();
  console.log(`${label}: ${((performance.now() - t0) / 50).toFixed(3)} ms per read`);
}

await rate("kv (blocks) upsert 100k", "candles", N, () => kv.upsertCandles("BTC", "1m", candles));
await rate(
  "memory upsert 100k",
  "candles",
  N,
  () => new MemoryStore().upsertCandles("BTC", "1m", candles),
);
await rate("kv (key per candle) upsert 100k", "candles", N, () => naiveUpsert(candles));
await memory.upsertCandles("BTC", "1m", candles);
await latency("kv (blocks) latest 500", () => kv.latestCandles("BTC", "1m", 500));
await latency("memory latest 500", () => memory.latestCandles("BTC", "1m", 500));
await latency("kv (key per candle) latest 500", () => naiveLatest(500));
await rate("questdb store encoder ILP v2 100k", "rows", N, () => encodeFast(fast2, candles));
await rate("questdb store encoder ILP v1 100k", "rows", N, () => encodeFast(fast1, candles));
await rate("client Sender ILP v2 100k", "rows", N, () => encode(v2, candles));

const B = 10_000;
const batch = candles.slice(0, B);

Deno.bench({
  name: "kv (key per candle), 10k batched upserts",
  group: "upsert 10k candles",
  baseline: true,
  fn: async () => {
    await naiveUpsert(batch);
  },
});
Deno.bench({
  name: "kv (256-candle blocks), 10k batched upserts",
  group: "upsert 10k candles",
  fn: async () => {
    await kv.upsertCandles("BTC", "1m", batch);
  },
});
Deno.bench({
  name: "memory, 10k batched upserts",
  group: "upsert 10k candles",
  fn: async () => {
    await new MemoryStore().upsertCandles("BTC", "1m", batch);
  },
});

Deno.bench({
  name: "kv (key per candle), latest 500",
  group: "latest 500",
  baseline: true,
  fn: async () => {
    await naiveLatest(500);
  },
});
Deno.bench({
  name: "kv (256-candle blocks), latest 500",
  group: "latest 500",
  fn: async () => {
    await kv.latestCandles("BTC", "1m", 500);
  },
});
Deno.bench({
  name: "memory, latest 500",
  group: "latest 500",
  fn: async () => {
    await memory.latestCandles("BTC", "1m", 500);
  },
});

Deno.bench({
  name: "client Sender, ILP v2, encode 10k rows",
  group: "ILP encoding",
  baseline: true,
  fn: async () => {
    await encode(v2, batch);
  },
});
Deno.bench({
  name: "store encoder, ILP v2, encode 10k rows",
  group: "ILP encoding",
  fn: async () => {
    await encodeFast(fast2, batch);
  },
});
Deno.bench({
  name: "store encoder, ILP v1, encode 10k rows",
  group: "ILP encoding",
  fn: async () => {
    await encodeFast(fast1, batch);
  },
});

globalThis.addEventListener("unload", () => {
  kv.stop();
  naive.close();
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* best effort */ }
});
