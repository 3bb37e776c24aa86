import assert from "node:assert/strict";
import { body, candle, fixtureApp } from "./_test_fixture.ts";

interface Reading {
  id: string;
  warm: boolean;
  values: { close: number | null };
  state: string;
  score: number;
}

Deno.test("GET /indicators/:symbol: values and states from the stored candles", async () => {
  const { req, store } = fixtureApp({ plugins: { last_close: { params: { period: 3 } } } });
  await store.upsertCandles("BTC", "1m", [candle(0, 100), candle(1, 105)]);
  let b = await body<{ indicators: Reading[]; candles_used: number; time: number }>(
    await req("/indicators/BTC?interval=1m"),
  );
  assert.equal(b.candles_used, 2);
  assert.equal(b.time, candle(1).time);
  assert.deepEqual(b.indicators[0].values, { close: 105 });
  assert.equal(b.indicators[0].state, "Up");
  assert.equal(b.indicators[0].warm, false); // period 3 from config: 2 candles are not enough
  await store.upsertCandles("BTC", "1m", [candle(2, 90)]);
  b = await body(await req("/indicators/BTC?interval=1m"));
  assert.equal(b.indicators[0].state, "Down");
  assert.equal(b.indicators[0].score, -1);
  assert.equal(b.indicators[0].warm, true);
});

Deno.test("GET /indicators/:symbol: no candles, bad interval, unknown symbol", async () => {
  const { req } = fixtureApp();
  const r = await req("/indicators/ETH?interval=1h");
  assert.equal(r.status, 200);
  const b = await body<{ time: null; indicators: Reading[] }>(r);
  assert.equal(b.time, null);
  assert.equal(b.indicators[0].values.close, null);
  assert.equal((await req("/indicators/ETH?interval=3m")).status, 400);
  assert.equal((await req("/indicators/ETH?limit=3")).status, 400);
  assert.equal((await req("/indicators/XYZ")).status, 404);
});
