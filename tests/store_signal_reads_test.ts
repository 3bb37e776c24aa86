/**
 * Signal reads of the memory and kv stores against a model: random upserts (in any order, from
 * this handle or a second one on the same database, as another process would) interleaved with
 * random range queries. Both stores answer from in-memory structures (the memory store's sorted
 * series, the kv store's per-series windows), so this checks those against the plain definition:
 * rows keyed by (time, strategy), the later write winning, newest first, and `limit` keeping the
 * newest rows without `from` and the oldest of the range with it.
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { SignalRecord } from "../core/signal.ts";
import type { RangeQuery, Store } from "../core/store.ts";
import { KvStore } from "../plugins/stores/kv.ts";
import { MemoryStore } from "../plugins/stores/memory.ts";
import { signal } from "./store_contract.ts";

const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;
const STRATEGIES = ["a", "b", "c"];

type Op =
  | { kind: "upsert"; other: boolean; rows: { t: number; s: number; score: number }[] }
  | { kind: "read"; from?: number; to?: number; limit?: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("upsert" as const),
    other: fc.boolean(),
    rows: fc.array(
      fc.record({
        t: fc.integer({ min: 0, max: 59 }),
        s: fc.integer({ min: 0, max: 2 }),
        score: fc.integer({ min: -9, max: 9 }),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  }),
  fc.record({
    kind: fc.constant("read" as const),
    from: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    to: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    limit: fc.option(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 130 })), {
      nil: undefined,
    }),
  }, { requiredKeys: ["kind"] }),
);

function rec(t: number, s: number, score: number): SignalRecord {
  return signal({ time: T0 + t * MIN, strategy: STRATEGIES[s], score });
}

/** The definition: filter, newest first (ties: strategy descending), then the limit. */
function expected(model: Map<string, SignalRecord>, q: RangeQuery): SignalRecord[] {
  const from = q.from ?? 0;
  const to = q.to ?? Number.MAX_SAFE_INTEGER;
  const rows = [...model.values()].filter((r) => r.time >= from && r.time <= to);
  rows.sort((a, b) => b.time - a.time || (a.strategy < b.strategy ? 1 : -1));
  if (q.limit === undefined) return rows;
  return q.from === undefined ? rows.slice(0, q.limit) : rows.slice(-q.limit);
}

async function check(open: () => Promise<{ a: Store; b: Store; done: () => Promise<void> }>) {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
      const { a, b, done } = await open();
      try {
        const model = new Map<string, SignalRecord>();
        for (const op of ops) {
          if (op.kind === "upsert") {
            const rows = op.rows.map((r) => rec(r.t, r.s, r.score));
            await (op.other ? b : a).upsertSignals(rows);
            for (const r of rows) model.set(`${r.time}|${r.strategy}`, r);
            continue;
          }
          const q: RangeQuery = {};
          if (op.from !== undefined) q.from = T0 + op.from * MIN;
          if (op.to !== undefined) q.to = T0 + op.to * MIN;
          if (op.limit !== undefined) q.limit = op.limit;
          if (q.from !== undefined && q.to !== undefined && q.from > q.to) continue;
          assert.deepEqual(await a.signals("BTC", "1m", q), expected(model, q), JSON.stringify(q));
        }
      } finally {
        await done();
      }
    }),
    { numRuns: 60 },
  );
}

Deno.test("memory store: signal reads match the model", async () => {
  await check(async () => {
    const a = new MemoryStore();
    await a.start();
    return { a, b: a, done: () => a.stop() };
  });
});

Deno.test("kv store: signal reads match the model, with writes from a second handle", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-kv-reads-" });
  let n = 0;
  try {
    await check(async () => {
      const path = `${dir}/db${n++}.kv`;
      // Rechecking on every read: another handle's writes are seen at once.
      const a = new KvStore(path, undefined, { signalRecheckMs: 0 });
      const b = new KvStore(path);
      await a.start();
      await b.start();
      return {
        a,
        b,
        done: async () => {
          await a.stop();
          await b.stop();
        },
      };
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv store: its own signal writes are read at once, however long the recheck bound", async () => {
  await check(async () => {
    const a = new KvStore(":memory:", undefined, { signalRecheckMs: 3_600_000 });
    await a.start();
    return { a, b: a, done: () => a.stop() };
  });
});

Deno.test("kv store: another handle's signal write is read once the recheck bound has passed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-kv-reads-" });
  const a = new KvStore(`${dir}/db.kv`, undefined, { signalRecheckMs: 20 });
  const b = new KvStore(`${dir}/db.kv`);
  try {
    await a.start();
    await b.start();
    await a.upsertSignals([rec(1, 0, 1)]);
    assert.deepEqual(await a.signals("BTC", "1m", { limit: 5 }), [rec(1, 0, 1)]);
    await b.upsertSignals([rec(2, 0, 2), rec(0, 1, 3)]);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(await a.signals("BTC", "1m", { limit: 5 }), [
      rec(2, 0, 2),
      rec(1, 0, 1),
      rec(0, 1, 3),
    ]);
  } finally {
    await a.stop();
    await b.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Every query of a grid around the window edges, on a fixed 180-row series. */
async function grid(store: Store): Promise<void> {
  const model = new Map<string, SignalRecord>();
  const rows = [];
  for (let t = 0; t < 60; t++) for (let s = 0; s < 3; s++) rows.push(rec(t, s, (t * 7 + s) % 5));
  await store.upsertSignals(rows);
  for (const r of rows) model.set(`${r.time}|${r.strategy}`, r);
  const froms = [undefined, 0, 10, 20, 40, 41, 42, 43, 44, 45, 46, 59, 60];
  const tos = [undefined, 3, 5, 42, 43, 44, 59];
  const limits = [undefined, 1, 10, 49, 50, 51, 200];
  const queries: RangeQuery[] = [];
  for (const from of froms) {
    for (const to of tos) {
      for (const limit of limits) {
        const q: RangeQuery = {};
        if (from !== undefined) q.from = T0 + from * MIN;
        if (to !== undefined) q.to = T0 + to * MIN;
        if (limit !== undefined) q.limit = limit;
        if (q.from === undefined || q.to === undefined || q.from <= q.to) queries.push(q);
      }
    }
  }
  // Reads with `from` first: they never resize the kv window, newest-first ones may grow it.
  queries.sort((a, b) => Number(a.from === undefined) - Number(b.from === undefined));
  // A first read sets the kv window's size: 50 rows (ends inside time 43's three rows) or whole.
  for (const first of [1, 120, 1]) {
    await store.signals("BTC", "1m", { limit: first });
    for (const q of queries) {
      assert.deepEqual(await store.signals("BTC", "1m", q), expected(model, q), JSON.stringify(q));
    }
    await store.upsertSignals([rec(59, 0, 1)]); // a new version: the next first read refills
    model.set(`${T0 + 59 * MIN}|a`, rec(59, 0, 1));
  }
}

for (
  const [name, make] of [
    ["memory", () => Promise.resolve(new MemoryStore())],
    ["kv", () => Promise.resolve(new KvStore(":memory:"))],
  ] as const
) {
  Deno.test(`${name} store: a grid of queries around the window edges matches the model`, async () => {
    const store: Store = await make();
    await store.start();
    try {
      await grid(store);
    } finally {
      await store.stop();
    }
  });

  Deno.test(`${name} store: records read are shared read-only; changing one throws and changes nothing`, async () => {
    const store: Store = await make();
    await store.start();
    try {
      await store.upsertSignals([rec(1, 0, 3), rec(2, 0, 4)]);
      const [got] = await store.signals("BTC", "1m", { limit: 1 });
      assert.throws(() => {
        got.score = 99;
      }, TypeError);
      assert.throws(() => {
        got.categories[0].contributions[0].score = 99;
      }, TypeError);
      assert.deepEqual(await store.signals("BTC", "1m", { limit: 1 }), [rec(2, 0, 4)]);
      // The caller's own objects are not frozen by a write.
      const mine = rec(3, 0, 5);
      await store.upsertSignals([mine]);
      mine.score = 6;
      assert.equal((await store.signals("BTC", "1m", { limit: 1 }))[0].score, 5);
    } finally {
      await store.stop();
    }
  });
}
