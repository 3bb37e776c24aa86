import assert from "node:assert/strict";
import { canonicalTrades, TRADE_HASH_FIELDS, tradesHash } from "./hash.ts";
import type { Trade } from "./model.ts";

const base: Trade = {
  id: 1,
  side: "Long",
  signal_time: 0,
  entry_time: 3_600_000,
  entry_price: 100.1,
  qty: 0.5,
  sl_price: 98,
  tp_price: null,
  exit_time: 7_200_000,
  exit_price: 101,
  exit_reason: "take_profit",
  ambiguous: false,
  gross_pnl: 0.45,
  fees: 0.03,
  funding: -0.001,
  net_pnl: 0.421,
  entry_equity: 1000,
  r_multiple: 0.0421,
  bars: 2,
};

Deno.test("hash: sha256 hex of the canonical list; every Trade field takes part", async () => {
  const h = await tradesHash([base]);
  assert.match(h, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await tradesHash([{ ...base }]), h);
  assert.deepEqual([...TRADE_HASH_FIELDS].sort(), Object.keys(base).sort());
  for (const k of TRADE_HASH_FIELDS) {
    const v = base[k];
    const changed = { ...base, [k]: typeof v === "number" ? v + 1 : v === null ? 1 : !v };
    assert.notEqual(await tradesHash([changed as Trade]), h, `field ${k} must change the hash`);
  }
});

Deno.test("hash: property order does not matter, trade order does", async () => {
  const reversed = Object.fromEntries(Object.entries(base).reverse()) as unknown as Trade;
  assert.equal(canonicalTrades([reversed]), canonicalTrades([base]));
  const second = { ...base, id: 2, net_pnl: -1 };
  assert.notEqual(await tradesHash([base, second]), await tradesHash([second, base]));
});

Deno.test("hash: the empty list has a fixed, known digest", async () => {
  const text = canonicalTrades([]);
  assert.equal(text, JSON.stringify({ fields: TRADE_HASH_FIELDS, trades: [] }));
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const hex = Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(await tradesHash([]), `sha256:${hex}`);
});
