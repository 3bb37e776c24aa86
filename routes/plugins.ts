/**
 * GET /plugins: every registered plugin with its parameters (defaults, configured values and JSON
 * Schema), so a client can build a strategy without reading the source.
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { configureIndicators, type Registry } from "../core/registry.ts";
import type { Config } from "../core/config.ts";
import type { ApiEnv } from "./deps.ts";

function jsonSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  } catch {
    return null;
  }
}

/** The plugin listing (computed once per registry: plugins do not change at run time). */
export function pluginListing(registry: Registry, config: Config) {
  const { indicators: enabled } = configureIndicators(registry, config.plugins);
  const configured = new Map(enabled.map((e) => [e.indicator.id, e.params]));
  return {
    indicators: [...registry.indicators.values()].map((i) => ({
      id: i.id,
      category: i.category,
      description: i.description,
      enabled: configured.has(i.id),
      params: configured.get(i.id) ?? i.params.safeParse({}).data ?? null,
      defaults: i.params.safeParse({}).data ?? null,
      params_schema: jsonSchema(i.params),
      outputs: i.outputs,
      states: i.states,
    })),
    categories: [...registry.categories.values()].map((c) => ({
      id: c.id,
      description: c.description,
      clamp: c.clamp,
      weight: c.weight,
    })),
    stores: [...registry.stores.values()].map((s) => ({
      id: s.id,
      description: s.description,
      active: s.id === config.store,
    })),
    providers: [...registry.providers.values()].map((p) => ({
      id: p.id,
      description: p.description,
      active: p.id === config.provider,
    })),
  };
}

/** The /plugins route. */
export const plugins: Hono<ApiEnv> = (() => {
  const cache = new WeakMap<Registry, ReturnType<typeof pluginListing>>();
  return new Hono<ApiEnv>().get("/", (c) => {
    const { registry, config } = c.get("deps");
    let listing = cache.get(registry);
    if (!listing) cache.set(registry, listing = pluginListing(registry, config));
    return c.json(listing);
  });
})();
