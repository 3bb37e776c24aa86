/**
 * The deployment's plugin switches and parameters (`config.plugins`) applied to a strategy
 * profile. Start-up and the /strategies routes both compile profiles through it, so a profile the
 * API accepts is one the next start-up accepts too.
 * @module
 */
import type { Config } from "../config.ts";
import type { Registry } from "../registry.ts";
import type { StrategyProfileInput } from "./strategy.ts";

/**
 * Applies `config.plugins` to a profile: a plugin switched off there is off in every strategy,
 * and its configured parameters are the base the profile's own parameters refine.
 */
export function withPluginConfig(
  profile: StrategyProfileInput,
  registry: Pick<Registry, "indicators">,
  plugins: Config["plugins"],
): StrategyProfileInput {
  const indicators = { ...(profile.indicators ?? {}) };
  for (const [id, pc] of Object.entries(plugins)) {
    if (!registry.indicators.has(id)) continue;
    const own = indicators[id];
    indicators[id] = {
      enabled: pc.enabled && (own?.enabled ?? true),
      params: { ...pc.params, ...(own?.params ?? {}) },
    };
  }
  return { ...profile, indicators };
}
