/**
 * GET /metrics: this process' Prometheus registry in the text exposition format.
 * @module
 */
import { Hono } from "hono";
import { registry } from "../core/metrics.ts";
import type { ApiEnv } from "./deps.ts";

/** Runs before each scrape (e.g. refreshing the queue depth gauge); errors are ignored. */
export type BeforeScrape = () => Promise<unknown>;

/** The /metrics route; `beforeScrape` refreshes gauges that are read rather than pushed. */
export function metricsRoute(beforeScrape?: BeforeScrape): Hono<ApiEnv> {
  return new Hono<ApiEnv>().get("/", async (c) => {
    if (beforeScrape) await beforeScrape().catch(() => {});
    const text = await registry.metrics();
    return c.body(text, 200, { "content-type": registry.contentType });
  });
}
