import assert from "node:assert/strict";
import { body, candle, fixtureApp, signal } from "./_test_fixture.ts";

async function seeded() {
  const f = fixtureApp();
  await f.store.upsertCandles("BTC", "1m", [0, 1, 2, 3].map((i) => candle(i)));
  await f.store.upsertSignals([0, 1, 2, 3].map((i) => signal("BTC", "1m", i)));
  await f.store.upsertSignals([signal("ETH", "1h", 0)]);
  return f;
}

Deno.test("GET /signals: the latest per series", async () => {
  const { req } = await seeded();
  const r = await req("/signals");
  assert.equal(r.status, 200);
  const b = await body<{ signals: { symbol: string; interval: string; time: number }[] }>(r);
  const btc = b.signals.find((s) => s.symbol === "BTC");
  assert.equal(btc?.time, candle(3).time);
  assert.equal(b.signals.length, 2);
  // It takes no filters: one it would silently ignore is refused.
  const bad = await req("/signals?symbol=ETH&bogus=1");
  assert.equal(bad.status, 400);
  assert.equal((await body(bad)).error, "bad_request");
});

Deno.test("GET /signals/:symbol: newest first, range and limit", async () => {
  const { req } = await seeded();
  let b = await body<{ signals: { time: number }[] }>(await req("/signals/BTC?interval=1m"));
  assert.deepEqual(b.signals.map((s) => s.time), [3, 2, 1, 0].map((i) => candle(i).time));
  b = await body(await req("/signals/BTC?interval=1m&limit=2"));
  assert.deepEqual(b.signals.map((s) => s.time), [3, 2].map((i) => candle(i).time));
  const from = new Date(candle(1).time).toISOString();
  b = await body(await req(`/signals/BTC?interval=1m&from=${from}&to=${candle(2).time}`));
  assert.deepEqual(b.signals.map((s) => s.time), [2, 1].map((i) => candle(i).time));
});

Deno.test("GET /signals/:symbol: validation errors name the field", async () => {
  const { req } = await seeded();
  const cases: [string, string][] = [
    ["/signals/BTC?interval=2m", "interval"],
    ["/signals/BTC?limit=0", "limit"],
    ["/signals/BTC?limit=1001", "limit"],
    ["/signals/BTC?limit=abc", "limit"],
    ["/signals/BTC?from=yesterday", "from"],
    ["/signals/BTC?from=2000&to=1000", "from"],
    ["/signals/BTC?bogus=1", "bogus"],
  ];
  for (const [path, field] of cases) {
    const r = await req(path);
    assert.equal(r.status, 400, path);
    const b = await body(r);
    assert.equal(b.field, field, path);
    assert.equal(b.error, "bad_request");
    assert.equal(typeof b.request_id, "string");
  }
});

Deno.test("GET /signals/:symbol: unknown symbol is 404, a stored one is known", async () => {
  const { req, store } = await seeded();
  const r = await req("/signals/DOGE?interval=1m");
  assert.equal(r.status, 404);
  assert.equal((await body(r)).error, "unknown_symbol");
  await store.upsertCandles("SOL", "1m", [candle(0)]);
  assert.equal((await req("/signals/SOL?interval=1m")).status, 200);
});
