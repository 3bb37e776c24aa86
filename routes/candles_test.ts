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
  b = await body(await req(`/candles/BTC?interval=1m&include_open=1&from=${candle(6).time}`));
  assert.deepEqual(b.candles, [], "nothing at or after from");
  assert.equal(b.open_included, false);
  // A page that stops short of the newest stored candle is not followed by the open one.
  b = await body(
    await req(`/candles/BTC?interval=1m&include_open=1&from=${candle(3).time}&limit=1`),
  );
  assert.deepEqual(b.candles.map((c) => c.time), [candle(3).time]);
  assert.equal(b.open_included, false);
  b = await body(
    await req(`/candles/BTC?interval=1m&include_open=1&from=${candle(4).time}&limit=1`),
  );
  assert.deepEqual(b.candles.map((c) => c.time), [candle(4).time, open.time]);
  assert.equal(b.open_included, true);
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
  // Epoch milliseconds beyond 2^53 cannot be represented: refused, not rounded into a 500.
  for (const q of ["from=9999999999999999", "to=9007199254740993"]) {
    r = await req(`/candles/BTC?interval=1m&${q}`);
    assert.equal(r.status, 400, q);
    assert.equal((await body(r)).field, q.split("=")[0]);
  }
});

Deno.test("GET /candles/:symbol: an ISO time without a zone is UTC, whatever the server's zone", async () => {
  // Date.parse reads "2025-07-25T00:01:00" in the process's zone; the API must not. A child
  // process with a non-UTC zone parses the same query the route parses.
  const script = `import { TimeParam } from "${new URL("./validation.ts", import.meta.url)}";
console.log(JSON.stringify(["2025-07-25T00:01:00", "2025-07-25T00:01", "2025-07-25T00:01:00.5",
  "2025-07-25T02:01:00+02:00", "2025-07-25"].map((s) => TimeParam.parse(s))));`;
  const out = await new Deno.Command("deno", {
    args: ["eval", "--config", new URL("../deno.json", import.meta.url).pathname, script],
    env: { TZ: "America/New_York" },
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const t = Date.UTC(2025, 6, 25, 0, 1);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), [
    t,
    t,
    t + 500,
    t,
    Date.UTC(2025, 6, 25),
  ]);
});
