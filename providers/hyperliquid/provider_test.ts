import assert from "node:assert/strict";
import type { Candle } from "../../core/candle.ts";
import { buildConfig } from "../../core/config.ts";
import { createLogger, setLogLevel } from "../../core/log.ts";
import { registry } from "../../core/metrics.ts";
import { HyperliquidProvider } from "./provider.ts";

setLogLevel("error");

async function malformedCount(kind: string): Promise<number> {
  const m = await registry.getSingleMetric("perptrix_ws_malformed_frames_total")!.get();
  return m.values.filter((v) => v.labels.kind === kind).reduce((a, v) => a + v.value, 0);
}

const frame = (data: Record<string, unknown>) =>
  JSON.stringify({
    channel: "candle",
    data: {
      t: 1_753_000_000_000 - (1_753_000_000_000 % 60_000),
      T: 1_753_000_000_000 - (1_753_000_000_000 % 60_000) + 59_999,
      s: "BTC",
      i: "1m",
      o: "100.0",
      c: "101.0",
      h: "102.0",
      l: "99.0",
      v: "1.5",
      n: 3,
      ...data,
    },
  });

Deno.test("malformed and unknown frames are counted by kind and never reach the sink", async () => {
  const p = new HyperliquidProvider({
    config: buildConfig({ symbols: ["BTC"], intervals: ["1m"] }),
    options: {},
    env: () => undefined,
    logger: createLogger("test"),
  }, { offline: true, clock: () => 1_753_000_000_000 });
  const got: Candle[] = [];
  await p.start({ candle: (_s, _i, c) => got.push(c) });
  const cases: [string, string][] = [
    ["not_json", "Websocket connection established."],
    ["not_json", '{"channel":"candle","data":{"t":'],
    ["no_channel", "[1,2,3]"],
    ["no_channel", "null"],
    ["unknown_channel", '{"channel":"mystery","data":{}}'],
    ["candle_schema", '{"channel":"candle"}'],
    ["candle_schema", frame({ o: 100 })],
    ["candle_schema", frame({ c: "NaN" })],
    ["candle_schema", frame({ i: "7m" })],
    ["candle_values", frame({ l: "-1.0" })],
    ["candle_values", frame({ h: "50.0" })],
    ["candle_unknown_series", frame({ s: "DOGE" })],
    ["ctx_schema", '{"channel":"activeAssetCtx","data":{"coin":"BTC","ctx":{"funding":1}}}'],
  ];
  for (const [kind, text] of cases) {
    const before = await malformedCount(kind);
    p.handleFrame(text); // must not throw
    assert.equal(await malformedCount(kind), before + 1, `${kind}: ${text}`);
  }
  // A valid frame, then the next bucket: exactly the valid candle is delivered.
  p.handleFrame(frame({}));
  const next = 1_753_000_000_000 - (1_753_000_000_000 % 60_000) + 60_000;
  p.handleFrame(frame({ t: next, T: next + 59_999 }));
  assert.equal(got.length, 1);
  assert.deepEqual([got[0].open, got[0].high, got[0].low, got[0].close, got[0].volume], [
    100,
    102,
    99,
    101,
    1.5,
  ]);
  await p.stop();
});

Deno.test("bad provider options and endpoint overrides are rejected with the key named", () => {
  const make = (options: Record<string, unknown>, env: Record<string, string> = {}) =>
    new HyperliquidProvider({
      config: buildConfig({}),
      options,
      env: (n) => env[n],
      logger: createLogger("test"),
    });
  assert.throws(() => make({ graceMs: -1 }), /graceMs/);
  assert.throws(() => make({ nope: 1 }), /nope|Unrecognized/);
  assert.throws(() => make({}, { HYPERLIQUID_API_URL: "ftp://x" }), /HYPERLIQUID_API_URL/);
  assert.throws(
    () =>
      new HyperliquidProvider({
        config: buildConfig({
          symbols: Array.from({ length: 250 }, (_, i) => `C${i}`),
          intervals: ["1m", "5m", "15m", "1h"],
        }),
        options: {},
        env: () => undefined,
        logger: createLogger("test"),
      }),
    /1250 subscriptions/,
  );
});
