import assert from "node:assert/strict";
import { buildConfig, ConfigError, ConfigSchema, loadConfig } from "./config.ts";

const env = (vars: Record<string, string>) => (n: string) => vars[n];

Deno.test("defaults: an empty file gives the documented defaults", () => {
  const c = buildConfig({});
  assert.equal(c.store, "kv");
  assert.equal(c.provider, "hyperliquid");
  assert.deepEqual(c.symbols, ["BTC", "ETH"]);
  assert.deepEqual(c.intervals, ["1m", "5m", "15m", "1h"]);
  assert.equal(c.port, 8080);
  assert.equal(c.historical_candle_count, 200);
  assert.equal(c.perptrix_env, "production");
});

Deno.test("config.example.json lists every key with its default", async () => {
  const example = JSON.parse(
    await Deno.readTextFile(new URL("../config.example.json", import.meta.url)),
  );
  const defaults = ConfigSchema.parse({});
  for (const key of Object.keys(defaults)) {
    assert.ok(key in example, `config.example.json lacks "${key}"`);
    if (key !== "plugins") {
      assert.deepEqual(example[key], (defaults as Record<string, unknown>)[key], key);
    }
  }
  // and it is itself a valid configuration
  buildConfig(example);
});

Deno.test("environment variables override the file, with the original names", () => {
  const c = buildConfig(
    { port: 9000, symbols: ["SOL"] },
    env({
      PORT: "9100",
      SYMBOLS: " BTC, ETH ,HYPE",
      INTERVALS: "1m,1h",
      STORE: "memory",
      PERPTRIX_ENV: "sandbox",
      HISTORICAL_CANDLE_COUNT: "500",
      EVAL_INTERVAL_SECONDS: "30",
      WORKER_CONCURRENCY: "8",
      REDIS_URL: "redis://127.0.0.1:6379",
      QUESTDB_CONFIG: "http::addr=db:9000;protocol_version=1;",
    }),
  );
  assert.equal(c.port, 9100);
  assert.deepEqual(c.symbols, ["BTC", "ETH", "HYPE"]);
  assert.deepEqual(c.intervals, ["1m", "1h"]);
  assert.equal(c.store, "memory");
  assert.equal(c.perptrix_env, "sandbox");
  assert.equal(c.historical_candle_count, 500);
  assert.equal(c.eval_interval_seconds, 30);
  assert.equal(c.worker_concurrency, 8);
  assert.equal(c.redis_url, "redis://127.0.0.1:6379");
  assert.equal(c.questdb_config, "http::addr=db:9000;protocol_version=1;");
});

Deno.test("invalid configuration lists every problem with its key path", () => {
  let err: unknown;
  try {
    buildConfig(
      { port: 70000, intervals: ["1m", "7m"], symbols: [], http: { max_limit: 0 }, bogus: 1 },
      env({ HISTORICAL_CANDLE_COUNT: "lots" }),
    );
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  const text = err.problems.join("\n");
  assert.match(text, /^port: /m);
  assert.match(text, /^intervals\.1: /m);
  assert.match(text, /^symbols: /m);
  assert.match(text, /^http\.max_limit: /m);
  assert.match(text, /bogus/);
  assert.match(
    text,
    /^historical_candle_count \(env HISTORICAL_CANDLE_COUNT\): "lots" is not an integer/m,
  );
  assert.ok(err.problems.length >= 6, text);
});

Deno.test("a config file that is not JSON or not an object is a clear error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, "{ port: 1 ");
    await assert.rejects(() => loadConfig(`${dir}/bad.json`, () => undefined), /not valid JSON/);
    await Deno.writeTextFile(`${dir}/arr.json`, "[1]");
    await assert.rejects(() => loadConfig(`${dir}/arr.json`, () => undefined), /JSON object/);
    await assert.rejects(
      () => loadConfig(`${dir}/missing.json`, () => undefined),
      /cannot be read/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
