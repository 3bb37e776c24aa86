/**
 * Composes the roles of one process: ingestion (provider → store), evaluation (engine → store)
 * and the HTTP API, with a bounded graceful stop.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { Config } from "../core/config.ts";
import { type PluginContext, readEnv } from "../core/context.ts";
import type { Interval } from "../core/interval.ts";
import type { Logger } from "../core/log.ts";
import { counter, histogram } from "../core/metrics.ts";
import type { Provider } from "../core/provider.ts";
import type { Registry } from "../core/registry.ts";
import type { Store } from "../core/store.ts";
import { createApp } from "../routes/app.ts";
import type { ApiDeps, HealthCheck } from "../routes/deps.ts";
import type { Role } from "./args.ts";
import type { Evaluator } from "./evaluator.ts";
import { InFlight } from "./inflight.ts";
import { SeriesQueue } from "./series_queue.ts";
import { VERSION } from "./version.ts";

/** What {@linkcode startService} needs. */
export interface ServiceOptions {
  config: Config;
  registry: Registry;
  roles: Set<Role>;
  logger: Logger;
  /** Builds the evaluator for the worker role. */
  evaluator?: () => Evaluator;
}

/** A running process. */
export interface Service {
  /** Bound HTTP address when the api role runs. */
  url?: string;
  store: Store;
  provider?: Provider;
  /** Stops every role: provider first, then in-flight work, store flush, HTTP. Bounded. */
  stop(): Promise<void>;
}

function pluginContext(config: Config, id: string, logger: Logger): PluginContext {
  return {
    config,
    options: config.plugins[id]?.options ?? {},
    env: readEnv,
    logger: logger.child(id),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Starts the chosen roles and returns once the API (if any) listens. */
export async function startService(opts: ServiceOptions): Promise<Service> {
  const { config, registry, roles, logger } = opts;
  const startedAt = Date.now();
  const storePlugin = registry.stores.get(config.store);
  if (!storePlugin) {
    throw new Error(
      `store "${config.store}" is not registered (known: ${
        [...registry.stores.keys()].join(", ")
      })`,
    );
  }
  const store = storePlugin.create(pluginContext(config, storePlugin.id, logger));
  await store.start();
  const checks: Record<string, HealthCheck> = {
    store: async () => ({ ...(await store.health()), required: true }),
  };

  const inflight = new InFlight();
  const queue = new SeriesQueue();
  const evaluator = roles.has("worker") ? opts.evaluator?.() : undefined;
  const candlesIn = counter("perptrix_ingest_candles_total", "Closed candles received", [
    "interval",
  ]);
  const evals = counter("perptrix_evaluations_total", "Signal evaluations", ["result"]);
  const evalSeconds = histogram("perptrix_evaluation_duration_seconds", "Evaluation time");
  const latency = histogram(
    "perptrix_candle_to_signal_seconds",
    "From candle close (receipt) to stored signal",
  );

  const onClosed = (symbol: string, interval: Interval, candle: Candle) => {
    const received = performance.now();
    candlesIn.inc({ interval });
    inflight.run(
      () =>
        queue.enqueue(`${symbol}|${interval}`, async () => {
          await store.upsertCandles(symbol, interval, [candle]);
          if (!evaluator) return;
          const t0 = performance.now();
          let sig;
          try {
            sig = evaluator.update(symbol, interval, candle);
          } catch (e) {
            evals.inc({ result: "error" });
            throw e;
          }
          evalSeconds.observe((performance.now() - t0) / 1000);
          if (!sig) return;
          await store.upsertSignals([sig]);
          evals.inc({ result: "ok" });
          latency.observe((performance.now() - received) / 1000);
        }),
      (e) => logger.error("candle processing failed", { symbol, interval, error: e }),
    );
  };

  let provider: Provider | undefined;
  if (roles.has("ingest")) {
    const pp = registry.providers.get(config.provider);
    if (!pp) {
      await store.stop();
      throw new Error(
        `provider "${config.provider}" is not registered (known: ${
          [...registry.providers.keys()].join(", ")
        })`,
      );
    }
    provider = pp.create(pluginContext(config, pp.id, logger));
    const prov = provider;
    checks.provider = () => ({ ...prov.health(), required: false });
  }

  let server: Deno.HttpServer | undefined;
  let url: string | undefined;
  if (roles.has("api")) {
    const deps: ApiDeps = {
      config,
      registry,
      store,
      version: VERSION,
      startedAt,
      checks,
      roles: [...roles],
    };
    const app = createApp(deps);
    const ready = Promise.withResolvers<Deno.NetAddr>();
    server = Deno.serve({
      hostname: config.hostname,
      port: config.port,
      onListen: (addr) => ready.resolve(addr as Deno.NetAddr),
    }, app.fetch);
    const addr = await ready.promise;
    const host = addr.hostname === "0.0.0.0" ? "127.0.0.1" : addr.hostname;
    url = `http://${host}:${addr.port}`;
    logger.info("api listening", { url, roles: [...roles] });
  }

  if (provider) {
    // Not awaited: a slow or unreachable venue must not keep the API from answering.
    provider.start({ candle: onClosed }).catch((e) =>
      logger.error("provider failed to start", { provider: config.provider, error: e })
    );
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      const budget = config.shutdown_timeout_ms;
      const deadline = Date.now() + budget;
      const left = () => Math.max(100, deadline - Date.now());
      logger.info("stopping", { budget_ms: budget });
      if (provider) {
        await withTimeout(provider.stop(), left(), "provider stop").catch((e) =>
          logger.warn("provider stop", { error: e })
        );
      }
      if (!(await inflight.drain(left()))) {
        logger.warn("in-flight work abandoned at shutdown", { tasks: inflight.size });
      }
      await withTimeout(store.stop(), left(), "store stop").catch((e) =>
        logger.error("store stop", { error: e })
      );
      if (server) {
        await withTimeout(server.shutdown(), left(), "http shutdown").catch(() => {});
      }
      logger.info("stopped");
    })();

  return { url, store, provider, stop };
}
