import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { buildConfig } from "../core/config.ts";
import { readEnv } from "../core/context.ts";
import { createLogger } from "../core/log.ts";
import { pluginRegistry } from "./engine.ts";
import { inferInterval, loadCsvData, loadPluginData, SourceError } from "./source.ts";

const H = 3_600_000;
const bars = (n: number, step: number): Candle[] =>
  Array.from({ length: n }, (_, i) => ({
    time: 1_700_000_000_000 + i * step,
    open: 100 + i,
    high: 102 + i,
    low: 99 + i,
    close: 101 + i,
    volume: 1,
  }));

Deno.test("source: interval inferred from the median spacing", () => {
  assert.equal(inferInterval(bars(10, H)), "1h");
  assert.equal(inferInterval(bars(10, 60_000)), "1m");
  assert.throws(() => inferInterval(bars(10, 7 * 60_000)), SourceError);
  assert.throws(() => inferInterval(bars(1, H)), SourceError);
});

Deno.test("source: CSV errors name the file and the line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-src-" });
  try {
    await Deno.writeTextFile(
      `${dir}/c.csv`,
      "time,open,high,low,close,volume\n0,1,1,1,1,1\n60000,1,0.5,1,1,1\n",
    );
    await assert.rejects(() => loadCsvData(`${dir}/c.csv`), /c\.csv: line 3: high 0\.5/);
    await Deno.writeTextFile(`${dir}/f.csv`, "time,rate\n0,0.0001\n0,0.0001\n");
    await Deno.writeTextFile(`${dir}/ok.csv`, "time,open,high,low,close,volume\n0,1,1,1,1,1\n");
    await assert.rejects(() => loadCsvData(`${dir}/ok.csv`, `${dir}/f.csv`), /f\.csv: line 3/);
    await assert.rejects(() => loadCsvData(`${dir}/missing.csv`), /cannot be read/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("source: candles recorded in the kv store are read back through the store plugin", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-kv-" });
  const path = `${dir}/bt.kv`;
  const config = buildConfig({ plugins: { kv: { options: { path } } } });
  try {
    const reg = await pluginRegistry();
    const ctx = { config, options: { path }, env: readEnv, logger: createLogger("test") };
    const store = reg.stores.get("kv")!.create(ctx);
    await store.start();
    const recorded = bars(48, H);
    await store.upsertCandles("BTC", "1h", recorded);
    await store.stop();
    const data = await loadPluginData({
      kind: "store",
      id: "kv",
      symbol: "BTC",
      interval: "1h",
      from: recorded[10].time,
      to: recorded[20].time,
      config,
    });
    assert.deepEqual(
      data.candles.map((c) => [c.time, c.close]),
      recorded.slice(10, 21).map((c) => [c.time, c.close]),
    );
    assert.equal(data.candlesLabel, "store:kv BTC 1h");
    await assert.rejects(
      () =>
        loadPluginData({
          kind: "store",
          id: "nope",
          symbol: "BTC",
          interval: "1h",
          from: 0,
          to: 1,
          config,
        }),
      /no store plugin "nope"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
