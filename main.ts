/**
 * Perptrix entry point: `deno task start [-- --role all|ingest|api|worker] [--config PATH]`.
 *
 * Exit codes: 0 clean stop, 1 runtime failure, 2 bad flags, configuration or plugins.
 * @module
 */
import { ConfigError, loadConfig } from "./core/config.ts";
import { readEnv } from "./core/context.ts";
import { createLogger, redact, setLogLevel } from "./core/log.ts";
import { configureIndicators, discover, PluginError } from "./core/registry.ts";
import { parseCommandLine, USAGE, UsageError } from "./runtime/args.ts";
import { ServiceConfigError, StartAborted, startService } from "./runtime/service.ts";
import { StrategyError } from "./core/engine/mod.ts";
import { VERSION } from "./runtime/version.ts";
import {
  type CompiledStrategies,
  compileStrategies,
  createEvaluator,
} from "./runtime/engine_evaluator.ts";

function fail(code: number, message: string): never {
  console.error(redact(message));
  Deno.exit(code);
}

async function fileExists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Runs the process until SIGINT/SIGTERM. */
export async function main(argv: string[]): Promise<void> {
  let args;
  try {
    args = parseCommandLine(argv);
  } catch (e) {
    if (e instanceof UsageError) fail(2, `error: ${e.message}\n\n${USAGE}`);
    throw e;
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (args.version) {
    console.log(`perptrix ${VERSION}`);
    return;
  }

  const configPath = args.config ?? ((await fileExists("config.json")) ? "config.json" : undefined);
  let config;
  try {
    config = await loadConfig(configPath, readEnv);
  } catch (e) {
    if (e instanceof ConfigError) fail(2, e.message);
    throw e;
  }
  setLogLevel(config.log_level);
  const logger = createLogger("perptrix");

  // Signals are handled from here on: one during start-up aborts it (what started is stopped)
  // and the process still exits 0, as after a normal graceful stop.
  const aborted = new AbortController();
  const stopped = Promise.withResolvers<void>();
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let stopping = false;
  const onSignal = () => {
    if (!service) return aborted.abort();
    if (stopping) return;
    stopping = true;
    service.stop().then(stopped.resolve, (e) => {
      logger.error("stop failed", { error: e });
      stopped.resolve();
    });
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const removeListeners = () => {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  };

  let registry;
  try {
    registry = await discover({
      extraRoots: args.plugins.flatMap((dir) => [
        { kind: "category" as const, dir: `${dir}/categories` },
        { kind: "indicator" as const, dir: `${dir}/indicators` },
        { kind: "store" as const, dir: `${dir}/stores` },
      ]),
    });
  } catch (e) {
    if (e instanceof PluginError) fail(2, e.message);
    throw e;
  }
  const { problems } = configureIndicators(registry, config.plugins);
  if (problems.length > 0) fail(2, new ConfigError(problems).message);

  // Strategy profiles: built-ins plus those stored through /strategies (loaded once the store
  // is up); every symbol's strategy must compile before anything starts.
  const profiles = new Map<string, unknown>();
  let compiled: CompiledStrategies | undefined;

  try {
    service = await startService({
      config,
      registry,
      roles: args.roles,
      logger,
      signal: aborted.signal,
      // Late-bound: the provider (and its price rules) exists once the service is up.
      evaluator: () =>
        createEvaluator(registry, config, {
          priceRule: (symbol) => service?.provider?.priceRule?.(symbol),
          profiles,
          compiled,
        }),
      onStoreReady: async (store) => {
        for (const doc of await store.strategies()) profiles.set(doc.id, doc.config);
        compiled = compileStrategies(registry, config, { profiles });
      },
    });
  } catch (e) {
    removeListeners();
    if (e instanceof StartAborted) return;
    if (e instanceof ServiceConfigError) fail(2, `error: ${e.message}`);
    if (e instanceof StrategyError) fail(2, e.message);
    throw e;
  }

  await stopped.promise;
  removeListeners();
}

if (import.meta.main) {
  try {
    await main(Deno.args);
    Deno.exit(0);
  } catch (e) {
    fail(1, `fatal: ${(e as Error).message}`);
  }
}
