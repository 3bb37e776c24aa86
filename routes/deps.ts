/**
 * What the HTTP routes need from the running service, as one typed object (Hono `Variables`).
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { Config } from "../core/config.ts";
import type { Health } from "../core/health.ts";
import type { Interval } from "../core/interval.ts";
import type { Registry } from "../core/registry.ts";
import type { Store } from "../core/store.ts";

/** A dependency check reported by /health. */
export type HealthCheck = () => Promise<Health> | Health;

/** Shared state of the API. */
export interface ApiDeps {
  config: Config;
  registry: Registry;
  store: Store;
  version: string;
  startedAt: number;
  /** Named dependency checks, e.g. `store`, `provider`, `redis`. */
  checks: Record<string, HealthCheck>;
  /** The roles this process runs. */
  roles: string[];
  /** The still-open candle of a series, when this process can know it (ingest, or via Redis). */
  openCandle?: (symbol: string, interval: Interval) => Promise<Candle | undefined>;
}

/** Hono environment: every request sees `deps` and its request id. */
export interface ApiEnv {
  Variables: { deps: ApiDeps; requestId: string };
}
