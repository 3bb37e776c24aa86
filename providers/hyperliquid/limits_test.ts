import assert from "node:assert/strict";
import { backoffDelay } from "./backoff.ts";
import { resolveEndpoints } from "./endpoints.ts";
import { perpPriceRule } from "./meta.ts";
import type { Subscription } from "./schemas.ts";
import { infoWeight, WeightBudget } from "./weight_budget.ts";
import { planShards } from "./ws.ts";

Deno.test("the weight budget never lets more than perMinute through in a minute", async () => {
  let now = 0;
  const b = new WeightBudget(1200, () => now);
  for (let i = 0; i < 60; i++) await b.take(20);
  assert.ok(b.available() < 1);
  let granted = false;
  const p = b.take(20).then(() => granted = true);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(granted, false, "must wait for a refill");
  now = 1_000; // one second refills 20
  await p;
  assert.equal(granted, true);
  b.drain();
  assert.ok(b.available() < 1, "a 429 empties the bucket");
  assert.equal(infoWeight("candleSnapshot", 5000), 20 + 84);
  assert.equal(infoWeight("allMids"), 2);
});

Deno.test("backoff is capped and jittered within [ceiling/2, ceiling]", () => {
  const o = { baseMs: 500, capMs: 30_000 };
  assert.equal(backoffDelay(0, { ...o, random: () => 0 }), 250);
  assert.equal(backoffDelay(0, { ...o, random: () => 1 }), 500);
  assert.equal(backoffDelay(3, { ...o, random: () => 1 }), 4_000);
  assert.equal(backoffDelay(50, { ...o, random: () => 1 }), 30_000);
});

Deno.test("subscriptions shard within 1000 subscriptions and 10 connections", () => {
  const subs = (n: number): Subscription[] =>
    Array.from({ length: n }, (_, i) => ({ type: "activeAssetCtx", coin: `C${i}` }));
  assert.equal(planShards(subs(1000), 250).length, 4);
  assert.equal(planShards(subs(10), 4).length, 3);
  assert.equal(planShards(subs(1000), 50).length, 10, "per-connection size grows to fit 10");
  assert.throws(() => planShards(subs(1001), 250), /1001 subscriptions .* allows 1000/);
});

Deno.test("endpoints: mainnet, testnet for sandbox, overrides validated", () => {
  const none = () => undefined;
  assert.equal(resolveEndpoints("production", none).wsUrl, "wss://api.hyperliquid.xyz/ws");
  assert.equal(
    resolveEndpoints("sandbox", none).apiUrl,
    "https://api.hyperliquid-testnet.xyz",
  );
  const env = {
    HYPERLIQUID_API_URL: "http://127.0.0.1:9/",
    HYPERLIQUID_WS_URL: "ws://127.0.0.1:9/ws",
  };
  const e = resolveEndpoints("production", (n) => env[n as keyof typeof env]);
  assert.deepEqual([e.apiUrl, e.wsUrl], ["http://127.0.0.1:9", "ws://127.0.0.1:9/ws"]);
  assert.throws(
    () =>
      resolveEndpoints("production", (n) => n === "HYPERLIQUID_WS_URL" ? "http://x" : undefined),
    /HYPERLIQUID_WS_URL must use ws: or wss:/,
  );
});

Deno.test("perp price rule: 5 significant figures, at most 6 − szDecimals decimals", () => {
  assert.equal(perpPriceRule(5).roundPrice(118_712.37, "nearest"), 118_712, "integers allowed");
  assert.equal(perpPriceRule(5).roundPrice(1_234.567, "nearest"), 1_234.6);
  assert.equal(perpPriceRule(0).roundPrice(0.0123456, "down"), 0.012345);
  assert.equal(perpPriceRule(4).roundPrice(3.14159, "up"), 3.15);
});
