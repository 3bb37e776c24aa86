import assert from "node:assert/strict";
// @ts-types="./client.d.ts"
import { Sender, SenderOptions } from "@questdb/nodejs-client";
import { IlpEncoder } from "./ilp.ts";
import { signal } from "../../../tests/store_contract.ts";
import type { Candle } from "perptrix";

/** Captures the bytes the client library's own Sender posts to /write. */
async function clientBytes(version: "1" | "2", fill: (s: Sender) => Promise<void>) {
  let body: Uint8Array | undefined;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    body = new Uint8Array(await req.arrayBuffer());
    return new Response(null, { status: 204 });
  });
  try {
    const o = new SenderOptions(
      `http::addr=127.0.0.1:${server.addr.port};protocol_version=${version};auto_flush=off;stdlib_http=on`,
    );
    const s = new Sender(o);
    await fill(s);
    await s.flush();
    await s.close();
  } finally {
    await server.shutdown();
  }
  return body!;
}

const candles: Candle[] = [
  {
    time: 1_753_097_280_000,
    open: 118712,
    high: 118727.5,
    low: 118654,
    close: 118675,
    volume: 2.63688,
  },
  {
    time: 1_753_097_340_000,
    open: 0.1 + 0.2,
    high: 1e21,
    low: 1e-7,
    close: 0.5,
    volume: 0,
    trades: 42,
    fundingRate: -0.0000125,
    openInterest: 1234.5,
  },
];

for (const version of ["1", "2"] as const) {
  Deno.test(`ilp v${version}: candle rows are byte-identical to the client's Sender`, async () => {
    const expected = await clientBytes(version, async (s) => {
      for (const c of candles) {
        s.table("candles").symbol("symbol", "BTC").symbol("interval", "1m")
          .floatColumn("open", c.open).floatColumn("high", c.high).floatColumn("low", c.low)
          .floatColumn("close", c.close).floatColumn("volume", c.volume);
        if (c.trades !== undefined) s.intColumn("trades", c.trades);
        if (c.fundingRate !== undefined) s.floatColumn("funding_rate", c.fundingRate);
        if (c.openInterest !== undefined) s.floatColumn("open_interest", c.openInterest);
        await s.at(c.time, "ms");
      }
    });
    const e = new IlpEncoder(version === "1" ? 1 : 2);
    for (const c of candles) e.candle("BTC", "1m", c);
    assert.deepEqual(e.bytes, expected);
    assert.equal(e.rows, 2);
  });

  Deno.test(`ilp v${version}: strings and symbols are escaped like the client's Sender`, async () => {
    const g = signal({
      symbol: "kBONK-USD",
      strategy: "my strat,v=2",
      engine_version: 'quote " back \\ slash\nnew line é',
      sl_pct: null,
      tp_price: null,
    });
    const expected = await clientBytes(version, async (s) => {
      s.table("signals").symbol("symbol", g.symbol).symbol("interval", g.interval)
        .symbol("strategy", g.strategy).symbol("direction", g.direction).symbol("bias", g.bias)
        .symbol("risk", g.risk).floatColumn("price", g.price).floatColumn("score", g.score)
        .floatColumn("confidence", g.confidence).floatColumn("tp_pct", g.tp_pct!)
        .floatColumn("sl_price", g.sl_price!)
        .stringColumn("categories", JSON.stringify(g.categories))
        .stringColumn("reasons", JSON.stringify(g.reasons))
        .stringColumn("engine_version", g.engine_version);
      await s.at(g.time, "ms");
    });
    const e = new IlpEncoder(version === "1" ? 1 : 2);
    e.signal(g);
    assert.deepEqual(e.bytes, expected);
  });
}

Deno.test("ilp: the buffer grows past its initial size without losing rows", () => {
  const e = new IlpEncoder(2, 16);
  for (let i = 0; i < 1000; i++) {
    e.candle("BTC", "1m", { ...candles[0], time: candles[0].time + i * 60_000 });
  }
  const text = new TextDecoder().decode(e.bytes);
  assert.equal(text.split("\n").length - 1, 1000);
  e.reset();
  assert.equal(e.bytes.length, 0);
});
