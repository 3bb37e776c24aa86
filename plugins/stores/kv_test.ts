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
import { recordingLogger } from "../../tests/store_contract.ts";
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
