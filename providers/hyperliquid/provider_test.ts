import assert from "node:assert/strict";
import { type Candle, candleProblem } from "../../core/candle.ts";
import { buildConfig } from "../../core/config.ts";
import { createLogger, setLogLevel } from "../../core/log.ts";
import type { PerpSnapshot } from "../../core/market.ts";
import { registry } from "../../core/metrics.ts";
import { type ScriptedVenue, startScriptedVenue } from "../../tests/fakes/hyperliquid_scripted.ts";
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

const M = 60_000;
const T0 = 1_753_000_000_000 - (1_753_000_000_000 % M);
const DAY = 24 * 60 * M;

/** An offline 1m BTC provider on a settable clock, recording what reaches the sink. */
async function offline(now: { v: number }) {
  const p = new HyperliquidProvider({
    config: buildConfig({ symbols: ["BTC"], intervals: ["1m"] }),
    options: {},
    env: () => undefined,
    logger: createLogger("test"),
  }, { offline: true, clock: () => now.v });
  const got: Candle[] = [];
  const perps: PerpSnapshot[] = [];
  await p.start({ candle: (_s, _i, c) => got.push(c), perp: (s) => perps.push(s) });
  return { p, got, perps };
}

Deno.test("candle frames off the bucket grid, with a wrong T or dated ahead are rejected; the series goes on", async () => {
  const hostile: [string, Record<string, unknown>][] = [
    ["a year ahead", { t: T0 + 365 * DAY, T: T0 + 365 * DAY + M - 1 }],
    ["two buckets ahead", { t: T0 + 2 * M, T: T0 + 3 * M - 1 }],
    ["t off the grid", { t: T0 + M + 5, T: T0 + 2 * M + 4 }],
    ["T one past the bucket", { t: T0 + M, T: T0 + 2 * M }],
    ["T short of the bucket end", { t: T0 + M, T: T0 + 2 * M - 2 }],
    ["T equal to t", { t: T0 + M, T: T0 + M }],
  ];
  for (const [what, times] of hostile) {
    const now = { v: T0 + 10_000 };
    const { p, got } = await offline(now);
    p.handleFrame(frame({ v: "0.5", n: 1 })); // the open bucket, partial
    const before = await malformedCount("candle_values");
    p.handleFrame(frame(times));
    assert.equal(await malformedCount("candle_values"), before + 1, `${what}: counted`);
    // Real traffic for five buckets: each closes by the next one's first frame.
    for (let i = 0; i < 5; i++) {
      const t = T0 + i * M;
      now.v = t + 30_000;
      p.handleFrame(frame({ t, T: t + M - 1, c: "101.5", v: "5.0", n: 10 }));
      now.v = t + M + 3_000;
      p.handleFrame(frame({ t: t + M, T: t + 2 * M - 1, c: "101.0", v: "1.0", n: 1 }));
    }
    assert.deepEqual(
      got.map((c) => (c.time - T0) / M),
      [0, 1, 2, 3, 4],
      `${what}: the real candles are delivered`,
    );
    assert.ok(got.every((c) => c.close === 101.5 && c.volume === 5), what);
    await p.stop();
  }
  // The next bucket's frame may arrive a little before our clock reaches it (skew).
  const now = { v: T0 + 10_000 };
  const { p } = await offline(now);
  const before = await malformedCount("candle_values");
  p.handleFrame(frame({ t: T0 + M, T: T0 + 2 * M - 1 }));
  assert.equal(await malformedCount("candle_values"), before, "one bucket ahead is accepted");
  await p.stop();
});

/** A BTC `activeAssetCtx` frame with sane values, `x` overriding some of them. */
function ctxFrame(x: Record<string, string> = {}): string {
  return JSON.stringify({
    channel: "activeAssetCtx",
    data: {
      coin: "BTC",
      ctx: { funding: "0.0000125", openInterest: "10.0", oraclePx: "100.0", markPx: "100.0", ...x },
    },
  });
}

Deno.test('activeAssetCtx values that are not finite ("1e400") are rejected', async () => {
  const { p, perps } = await offline({ v: T0 });
  const cases: Record<string, string>[] = [
    { markPx: "1e400" },
    { oraclePx: "1e400" },
    { premium: "1e400" },
    { premium: "-1e400" },
    { openInterest: "1e400" },
    { funding: "1e400" },
    { funding: "0.05" },
  ];
  for (const bad of cases) {
    const before = await malformedCount("ctx_values");
    p.handleFrame(ctxFrame(bad));
    assert.equal(await malformedCount("ctx_values"), before + 1, JSON.stringify(bad));
  }
  assert.equal(perps.length, 0);
  p.handleFrame(ctxFrame({ premium: "0.0001" }));
  assert.equal(perps.length, 1, "a valid context still passes");
  await p.stop();
});

/** A 1m/1h BTC provider against a scripted venue, on a fixed clock. */
function scriptedProvider(
  venue: ScriptedVenue,
  interval: "1m" | "1h",
  now: number,
  options: Record<string, unknown> = {},
) {
  return new HyperliquidProvider({
    config: buildConfig({ symbols: ["BTC"], intervals: [interval], historical_candle_count: 3 }),
    options: {
      tickMs: 10,
      resyncMinMs: 20,
      reconnectBaseMs: 20,
      reconnectCapMs: 100,
      restBackoffBaseMs: 10,
      restBackoffCapMs: 50,
      ...options,
    },
    env: (n) => ({ HYPERLIQUID_API_URL: venue.apiUrl, HYPERLIQUID_WS_URL: venue.wsUrl })[n],
    logger: createLogger("test"),
  }, { clock: () => now });
}

const row = (t: number, step: number, x: Record<string, unknown> = {}) => ({
  t,
  T: t + step - 1,
  s: "BTC",
  i: step === M ? "1m" : "1h",
  o: "100.0",
  c: "101.0",
  h: "102.0",
  l: "99.0",
  v: "1.5",
  n: 3,
  ...x,
});

Deno.test("candleSnapshot rows off the bucket grid or with a wrong T are rejected by the sync", async () => {
  const now = T0 + 30_000;
  const venue = startScriptedVenue({
    info: (b) =>
      b.type === "candleSnapshot"
        ? [
          row(T0 - 4 * M, M),
          row(T0 - 3 * M, M, { T: T0 - 2 * M }), // T one past the bucket
          row(T0 - 2 * M, M),
          row(T0 - 2 * M + 30_000, M), // off the grid
          row(T0 - M, M),
        ]
        : undefined,
  });
  const p = scriptedProvider(venue, "1m", now, { fundingBackfillHours: 0 });
  const got: Candle[] = [];
  const before = await malformedCount("rest_candle_values");
  try {
    await p.start({ candle: (_s, _i, c) => got.push(c) });
    await p.backfilled();
    assert.deepEqual(got.map((c) => (c.time - T0) / M), [-4, -2, -1]);
    assert.equal(await malformedCount("rest_candle_values"), before + 2);
  } finally {
    await p.stop();
    await venue.close();
  }
});

Deno.test("funding rows and contexts out of range never reach a candle or the sink", async () => {
  const H = 60 * M;
  const h0 = T0 - (T0 % H);
  const now = h0 + 30 * M;
  const venue = startScriptedVenue({
    info: (b) => {
      if (b.type === "fundingHistory") {
        return [4, 3, 2, 1].map((k) => ({
          coin: "BTC",
          fundingRate: k === 2 ? "1e400" : k === 1 ? "0.5" : "0.0000125",
          premium: "0.0",
          time: h0 - k * H + 5,
        }));
      }
      if (b.type === "candleSnapshot") return [4, 3, 2, 1].map((k) => row(h0 - k * H, H));
    },
    onSubscribe(socket, sub) {
      if (sub.type !== "activeAssetCtx") return;
      socket.send(ctxFrame({ premium: "1e400" }));
    },
  });
  const p = scriptedProvider(venue, "1h", now);
  const got: Candle[] = [];
  const perps: PerpSnapshot[] = [];
  const before = await malformedCount("funding_values");
  const ctxBefore = await malformedCount("ctx_values");
  try {
    await p.start({ candle: (_s, _i, c) => got.push(c), perp: (s) => perps.push(s) });
    await p.backfilled();
    // Until the context frame has been answered (and rejected).
    for (let i = 0; i < 100 && (await malformedCount("ctx_values")) === ctxBefore; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(got.map((c) => (c.time - h0) / H), [-3, -2, -1]);
    for (const c of got) assert.equal(candleProblem(c), undefined);
    // The rejected settlements leave the valid one before them in force until it is stale (2 h).
    assert.deepEqual(got.map((c) => c.fundingRate), [0.0000125, 0.0000125, undefined]);
    assert.equal(await malformedCount("funding_values"), before + 2);
    assert.ok((await malformedCount("ctx_values")) > ctxBefore, "the context frame arrived");
    assert.deepEqual(perps, [], "the context with an infinite premium was dropped");
  } finally {
    await p.stop();
    await venue.close();
  }
});
