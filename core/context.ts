/**
 * What every plugin factory receives.
 * @module
 */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";

/** Context passed to provider and store factories. */
export interface PluginContext {
  /** The validated configuration. */
  config: Config;
  /** `config.plugins[id].options`, for the plugin to validate with its own schema. */
  options: Record<string, unknown>;
  /** Reads an environment variable; undefined when unset or not permitted. */
  env(name: string): string | undefined;
  /** Logger whose component is named after the plugin id. */
  logger: Logger;
}

/** Reads an env var without throwing when the permission does not cover it. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
