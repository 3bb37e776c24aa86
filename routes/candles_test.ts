import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { body, candle, fixtureApp } from "./_test_fixture.ts";

Deno.test("GET /candles/:symbol: ascending, range, limit", async () => {
  const { req, store } = fixtureApp();
  await store.upsertCandles("BTC", "1m", [0, 1, 2, 3, 4].map((i) => candle(i)));
  let b = await body<{ candles: Candle[] }>(await req("/candles/BTC?interval=1m"));
  assert.deepEqual(b.candles.map((c) => c.close), [100, 101, 102, 103, 104]);
  b = await body(await req("/candles/BTC?interval=1m&limit=2"));
  assert.deepEqual(b.candles.map((c) => c.close), [103, 104]);
  b = await body(await req(`/candles/BTC?interval=1m&from=${candle(1).time}&to=${candle(2).time}`));
  assert.deepEqual(b.candles.map((c) => c.close), [101, 102]);
});

Deno.test("GET /candles/:symbol: the open candle only when asked for, flagged", async () => {
  const open = candle(5, 200);
  const { req, store } = fixtureApp({}, {
    openCandle: (s, i) => Promise.resolve(s === "BTC" && i === "1m" ? open : undefined),
  });
  await store.upsertCandles("BTC", "1m", [candle(3), candle(4)]);
  let b = await body<{ candles: (Candle & { is_open?: boolean })[]; open_included: boolean }>(
    await req("/candles/BTC?interval=1m"),
  );
  assert.equal(b.candles.length, 2);
  assert.equal(b.open_included, false);
  b = await body(await req("/candles/BTC?interval=1m&include_open=true"));
  assert.equal(b.candles.length, 3);
  assert.equal(b.candles[2].is_open, true);
  assert.equal(b.candles[2].close, 200);
  assert.equal(b.candles[2].open, 200);
  assert.equal(b.candles[1].is_open, undefined);
  // An open candle outside the asked range is not added.
  b = await body(await req(`/candles/BTC?interval=1m&include_open=1&to=${candle(4).time}`));
  assert.equal(b.open_included, false);
});

Deno.test("GET /candles/:symbol: errors", async () => {
  const { req } = fixtureApp();
  let r = await req("/candles/BTC?interval=5m");
  assert.equal(r.status, 400);
  assert.equal((await body(r)).field, "interval");
  r = await req("/candles/BTC?include_open=maybe");
  assert.equal((await body(r)).field, "include_open");
  r = await req("/candles/NOPE");
  assert.equal(r.status, 404);
  r = await req("/candles/" + "X".repeat(300));
  assert.equal(r.status, 404);
});
