/**
 * Hyperliquid perpetuals provider plugin: candles, funding and open interest from the public
 * API (REST `POST /info` + WebSocket). See README.md for the design and the client choice.
 * @module
 */
import type { ProviderPlugin } from "perptrix";
import { HyperliquidProvider } from "./provider.ts";

/** The plugin registered under id `hyperliquid`. */
const plugin: ProviderPlugin = {
  kind: "provider",
  id: "hyperliquid",
  description: "Hyperliquid perps: candleSnapshot backfill, WebSocket candles and asset context",
  create: (ctx) => new HyperliquidProvider(ctx),
};
export default plugin;
