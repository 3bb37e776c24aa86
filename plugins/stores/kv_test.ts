import assert from "node:assert/strict";
import { candle } from "../../tests/store_contract.ts";
import {
  BLOCK_CAPACITY,
  BlockDecodeError,
  decodeBlock,
  encodeBlock,
  KV_VALUE_LIMIT,
} from "./_kv_block.ts";
import kvPlugin, { KvStore } from "./kv.ts";
import { recordingLogger, signal } from "../../tests/store_contract.ts";
import { StoreInputError } from "./_validate.ts";
import { ConfigSchema } from "../../core/config.ts";

Deno.test("kv block: round-trips with and without optional columns, and fits the value limit", () => {
  const rows = Array.from(
    { length: 256 },
    (_, i) => (i % 3 === 0 ? { ...candle(i), trades: i, openInterest: 5 } : candle(i)),
  );
  assert.deepEqual(decodeBlock(encodeBlock(rows)), rows);
  assert.deepEqual(decodeBlock(encodeBlock([candle(0)])), [candle(0)]);
  const full = Array.from(
    { length: BLOCK_CAPACITY },
    (_, i) => ({ ...candle(i), trades: 1, fundingRate: 0, openInterest: 1 }),
  );
  assert.ok(encodeBlock(full).byteLength <= KV_VALUE_LIMIT);
  assert.throws(() => decodeBlock(new Uint8Array(13)), BlockDecodeError);
  assert.throws(() => decodeBlock(new Uint8Array(64)), BlockDecodeError);
});

Deno.test("kv: two handles on one database writing the same block both land (versionstamp retries)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-kv-" });
  const a = new KvStore(`${dir}/db.kv`);
  const b = new KvStore(`${dir}/db.kv`);
  try {
    await a.start();
    await b.start();
    const rows = Array.from({ length: 100 }, (_, i) => candle(i));
    await Promise.all(rows.map((c, i) => (i % 2 ? a : b).upsertCandles("BTC", "1m", [c])));
    assert.deepEqual(await a.candles("BTC", "1m"), rows);
  } finally {
    await a.stop();
    await b.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv plugin: path from options, else KV_PATH, folder created; unknown options rejected", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-kv-" });
  const ctx = (options: Record<string, unknown>, env: Record<string, string> = {}) => ({
    config: ConfigSchema.parse({}),
    options,
    env: (n: string) => env[n],
    logger: recordingLogger(),
  });
  try {
    const s = kvPlugin.create(ctx({}, { KV_PATH: `${dir}/nested/deeper/x.kv` }));
    await s.start();
    await s.upsertCandles("BTC", "1m", [candle(0)]);
    await s.stop();
    assert.ok(Deno.statSync(`${dir}/nested/deeper/x.kv`).isFile);
    assert.throws(() => kvPlugin.create(ctx({ pathh: "x" })), /pathh/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv: signal sizes are counted in stored bytes; an oversize signal rejects its whole batch", async () => {
  const s = new KvStore(":memory:");
  const stored = async (symbols: string[]) => {
    let n = 0;
    for (const sym of new Set(symbols)) n += (await s.signals(sym, "1m")).length;
    return n;
  };
  try {
    await s.start();
    // 40k characters of JSON, but 80 KB stored: text with non-Latin-1 characters is 2 bytes each.
    const big = signal({
      time: 999 * 60_000,
      reasons: [{ text: "RSI ≥ 70 " + "→".repeat(40_000), weight: 1 }],
    });
    const fine = Array.from({ length: 100 }, (_, i) => signal({ time: i * 60_000 }));
    await assert.rejects(
      s.upsertSignals([...fine, big]),
      (e) =>
        e instanceof StoreInputError &&
        /signal\[100\] \(BTC 1m 59940000 default\): \d+ bytes exceed the kv value limit/.test(
          e.message,
        ),
    );
    assert.equal(await stored(["BTC"]), 0, "nothing of the batch was written");
    // Mostly ASCII, one arrow: a few KB of UTF-8, but the whole string is stored 2 bytes a char.
    const wide = signal({ reasons: [{ text: "→" + "a".repeat(33_000), weight: 1 }] });
    await assert.rejects(s.upsertSignals([wide]), StoreInputError);
    // Many mid-size signals are split into commits by bytes, under the commit size limit.
    const mid = Array.from(
      { length: 100 },
      (_, i) => signal({ symbol: `S${i}`, reasons: [{ text: "≥".repeat(3_500), weight: 1 }] }),
    );
    await s.upsertSignals(mid);
    assert.equal(await stored(mid.map((x) => x.symbol)), 100);
  } finally {
    await s.stop();
  }
});

Deno.test("kv: a candle at the largest safe time is read back", async () => {
  const s = new KvStore(":memory:");
  const t = Number.MAX_SAFE_INTEGER - 1;
  const c = { time: t, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  try {
    await s.start();
    await s.upsertCandles("BTC", "1m", [c]);
    assert.deepEqual(await s.candles("BTC", "1m"), [c]);
    assert.deepEqual(await s.latestCandles("BTC", "1m", 5), [c]);
    assert.deepEqual(await s.candles("BTC", "1m", { from: t }), [c]);
  } finally {
    await s.stop();
  }
});
