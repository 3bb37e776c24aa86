/**
 * Perptrix: the public surface for plugin authors. A plugin imports only this module.
 *
 * ```ts
 * import { defineIndicator, Ring, z } from "perptrix";
 * ```
 * @module
 */
export { z } from "zod";
export * from "./core/candle.ts";
export * from "./core/interval.ts";
export * from "./core/indicator.ts";
export * from "./core/category.ts";
export * from "./core/batch.ts";
export * from "./core/columns.ts";
export * from "./core/ring.ts";
export * from "./core/signal.ts";
export * from "./core/market.ts";
export * from "./core/health.ts";
export * from "./core/provider.ts";
export * from "./core/store.ts";
export * from "./core/context.ts";
export * from "./core/log.ts";
export * from "./core/csv.ts";
export * from "./core/price_rule.ts";
export * from "./core/engine/mod.ts";
export { counter, gauge, histogram } from "./core/metrics.ts";
export type { Registry } from "./core/registry.ts";
export type { Config } from "./core/config.ts";
