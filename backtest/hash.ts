/**
 * A stable fingerprint of a trade list: SHA-256 over a canonical JSON form (fields in a fixed
 * order, numbers in JavaScript's shortest round-trip form). The same candles, funding, strategy
 * and settings give the same hash on every run, so a changed hash means a changed result.
 * @module
 */
import type { Trade } from "./model.ts";

/** The trade fields in hash order. Adding a field changes every hash: bump deliberately. */
export const TRADE_HASH_FIELDS = [
  "id",
  "side",
  "signal_time",
  "entry_time",
  "entry_price",
  "qty",
  "sl_price",
  "tp_price",
  "exit_time",
  "exit_price",
  "exit_reason",
  "ambiguous",
  "gross_pnl",
  "fees",
  "funding",
  "net_pnl",
  "entry_equity",
  "r_multiple",
  "bars",
] as const satisfies readonly (keyof Trade)[];

/** The canonical text that is hashed: a JSON array of per-trade value arrays. */
export function canonicalTrades(trades: readonly Trade[]): string {
  const rows = trades.map((t) => TRADE_HASH_FIELDS.map((k) => t[k]));
  return JSON.stringify({ fields: TRADE_HASH_FIELDS, trades: rows });
}

/** `sha256:<hex>` of {@linkcode canonicalTrades}. */
export async function tradesHash(trades: readonly Trade[]): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalTrades(trades));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return `sha256:${hex}`;
}
