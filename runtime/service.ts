/**
 * Composes the roles of one process with a bounded graceful stop:
 * - ingest: provider → store → evaluation queue (one job per closed candle), the open-candle
 *   feed and the missed-candle sweep. With Redis only the holder of the ingest lock ingests;
 *   others wait as standbys and take over when it dies.
 * - worker: evaluation queue → evaluator → store.
 * - api: the HTTP API. Processes without it still serve /health and /metrics.
 *
 * Without `redis_url` the queue is in-process and only `--role all` is possible; with it the
 * queue is BullMQ, any mix of roles can run in any number of processes, and the store is fronted
 * by the Redis cache (hot candles, latest signals) whose writes are announced on
 * `<queue.prefix>:candles` and `<queue.prefix>:signals`.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { Config } from "../core/config.ts";
import { type PluginContext, readEnv } from "../core/context.ts";
import type { Interval } from "../core/interval.ts";
import type { Logger } from "../core/log.ts";
import { counter } from "../core/metrics.ts";
import type { MarketSink, Provider } from "../core/provider.ts";
import type { Registry } from "../core/registry.ts";
import type { Store } from "../core/store.ts";
import { RedisBus } from "../plugins/stores/_redis_bus.ts";
import { withRedisCache } from "../plugins/stores/_redis_cache.ts";
import { closeRedis, connectRedis, type RedisClient } from "../plugins/stores/_redis_connection.ts";
import { createApp, createOpsApp } from "../routes/app.ts";
import type { ApiDeps, HealthCheck } from "../routes/deps.ts";
import type { Role } from "./args.ts";
import { scheduleSweep, sweep, type SweepSchedule } from "./cron.ts";
import { seriesKey } from "./eval_job.ts";
import { EvaluationRunner } from "./evaluation.ts";
import type { Evaluator } from "./evaluator.ts";
import { InFlight } from "./inflight.ts";
import { IngestLock } from "./ingest_lock.ts";
import { MemoryEvalQueue } from "./memory_queue.ts";
import { MemoryOpenCandles, type OpenCandles, RedisOpenCandles } from "./open_candles.ts";
import type { EvalQueue } from "./queue.ts";
import { RedisEvalQueue } from "./redis_queue.ts";
import { SeriesQueue } from "./series_queue.ts";
import { inSpan, traceparentOf } from "./tracing.ts";
import { VERSION } from "./version.ts";

/** What {@linkcode startService} needs. */
export interface ServiceOptions {
  config: Config;
  registry: Registry;
  roles: Set<Role>;
  logger: Logger;
  /** Builds a fresh evaluator (the worker keeps one per series). Required by the worker role. */
  evaluator?: () => Evaluator;
  /** Runs once the store has started, before any role: e.g. loads stored strategy profiles. */
  onStoreReady?: (store: Store) => Promise<void>;
}

/** A running process. */
export interface Service {
  /** Bound HTTP address (the full API with the api role, else /health and /metrics). */
  url: string;
  store: Store;
  queue: EvalQueue;
  /** The provider while this process ingests. */
  readonly provider: Provider | undefined;
  /** Stops every role: ingest first, then in-flight work, queue, store, HTTP. Bounded. */
  stop(): Promise<void>;
}

/** Thrown for a role/configuration combination that cannot run. */
export class ServiceConfigError extends Error {
  override name = "ServiceConfigError";
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

const ALL: readonly Role[] = ["ingest", "api", "worker"];
/** Candles per series the Redis cache keeps at least (the latest-500 read of the API). */
const HOT_CANDLES = 500;

/** Starts the chosen roles and returns once the HTTP server listens. */
export async function startService(opts: ServiceOptions): Promise<Service> {
  const { config, registry, roles, logger } = opts;
  const startedAt = Date.now();
  const split = !ALL.every((r) => roles.has(r));
  const redisUrl = config.redis_url.trim();
  if (split && redisUrl === "") {
    throw new ServiceConfigError(
      `--role ${[...roles].join(",")} needs Redis to coordinate with the other roles: ` +
        "set redis_url (REDIS_URL), or run --role all",
    );
  }
  if (roles.has("worker") && !opts.evaluator) {
    throw new ServiceConfigError("the worker role needs an evaluator");
  }
  const storePlugin = registry.stores.get(config.store);
  if (!storePlugin) {
    throw new ServiceConfigError(
      `store "${config.store}" is not registered (known: ${
        [...registry.stores.keys()].join(", ")
      })`,
    );
  }
  const q = config.queue;
  const providerPlugin = roles.has("ingest") ? registry.providers.get(config.provider) : undefined;
  if (roles.has("ingest") && !providerPlugin) {
    throw new ServiceConfigError(
      `provider "${config.provider}" is not registered (known: ${
        [...registry.providers.keys()].join(", ")
      })`,
    );
  }

  // With Redis every process reads hot candles and the latest signals from one shared cache and
  // announces what it writes; the plugin store stays the source of truth.
  const bus = redisUrl === ""
    ? undefined
    : new RedisBus({ url: redisUrl, channelPrefix: q.prefix, logger: logger.child("bus") });
  const base = storePlugin.create(pluginContext(config, storePlugin.id, logger));
  const store: Store = bus === undefined ? base : withRedisCache(base, {
    url: redisUrl,
    prefix: `${q.prefix}:cache:`,
    hotCandles: Math.max(HOT_CANDLES, config.historical_candle_count),
    bus,
    logger: logger.child("cache"),
  });
  try {
    await store.start();
  } catch (e) {
    await bus?.stop().catch(() => {});
    throw e;
  }
  if (opts.onStoreReady) {
    try {
      await opts.onStoreReady(store);
    } catch (e) {
      await store.stop().catch(() => {});
      await bus?.stop().catch(() => {});
      throw e;
    }
  }
  const checks: Record<string, HealthCheck> = {
    store: async () => ({ ...(await store.health()), required: true }),
  };
  const owner = `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const retry = { attempts: q.attempts, backoffMs: q.backoff_ms, deadLetterMax: q.dead_letter_max };

  let redis: RedisClient | undefined;
  let queue: EvalQueue;
  let openCandles: OpenCandles;
  if (redisUrl !== "") {
    redis = connectRedis({ url: redisUrl, logger, name: "runtime" });
    const rq = new RedisEvalQueue({
      ...retry,
      url: redisUrl,
      prefix: q.prefix,
      concurrency: config.worker_concurrency,
      lockMs: q.lock_ms,
      keepCompletedSeconds: q.keep_completed_seconds,
      workerName: `worker-${owner}`,
      logger: logger.child("queue"),
    });
    await rq.ready(5000).catch((e) => logger.warn("queue not ready yet", { error: e }));
    queue = rq;
    openCandles = new RedisOpenCandles(redis, q.prefix, logger);
  } else {
    queue = new MemoryEvalQueue({
      ...retry,
      onError: (job, e, final) =>
        logger.warn(final ? "evaluation dead-lettered" : "evaluation failed; will retry", {
          symbol: job.symbol,
          interval: job.interval,
          time: job.candle.time,
          error: e,
        }),
    });
    openCandles = new MemoryOpenCandles();
  }
  checks.queue = () => queue.health();

  // Worker: jobs → evaluator → store.
  if (roles.has("worker")) {
    const runner = new EvaluationRunner({
      store,
      makeEvaluator: opts.evaluator!,
      historyCount: config.historical_candle_count,
      logger: logger.child("worker"),
    });
    const durable = queue.kind === "redis";
    queue.consume(async (job) => {
      await runner.run(job);
      // The job is acknowledged in Redis when this returns. A buffering store (questdb) must have
      // written the signal first, or a worker killed before its next flush would lose it.
      if (durable) await store.flush();
    });
  }

  // Ingest: provider → store → queue, gated by the lock when other processes may ingest too.
  const inflight = new InFlight();
  let provider: Provider | undefined;
  let schedule: SweepSchedule | undefined;
  let lock: IngestLock | undefined;
  if (roles.has("ingest")) {
    const pp = providerPlugin!;
    const chains = new SeriesQueue();
    const candlesIn = counter("perptrix_ingest_candles_total", "Closed candles received", [
      "interval",
    ]);
    const announceFailed = counter(
      "perptrix_ingest_announce_failures_total",
      "Closed candles stored but not queued (the sweep retries them)",
    );
    const shared = queue.kind === "redis";
    const onClosed = (symbol: string, interval: Interval, candle: Candle) => {
      const closedAt = Date.now();
      candlesIn.inc({ interval });
      inflight.run(
        () =>
          chains.enqueue(seriesKey(symbol, interval), () =>
            inSpan(
              "ingest.candle",
              {
                "perptrix.symbol": symbol,
                "perptrix.interval": interval,
                "perptrix.time": candle.time,
              },
              undefined,
              async (span) => {
                await store.upsertCandles(symbol, interval, [candle]);
                // Workers in other processes read the history from the store: make it visible.
                if (shared) await store.flush();
                // Never throws; a lost announcement is logged by the bus.
                if (bus) await bus.publishCandle(symbol, interval, candle);
                try {
                  await queue.enqueue({
                    symbol,
                    interval,
                    candle,
                    closedAt,
                    traceparent: traceparentOf(span),
                  });
                } catch (e) {
                  announceFailed.inc();
                  throw e;
                }
              },
            )),
        (e) => logger.error("closed candle not processed", { symbol, interval, error: e }),
      );
    };
    const sink: MarketSink = {
      candle: onClosed,
      partial: (symbol, interval, candle) => openCandles.put(symbol, interval, candle),
    };
    const startIngest = () => {
      const p = pp.create(pluginContext(config, pp.id, logger));
      provider = p;
      checks.provider = () => ({ ...p.health(), required: false });
      // Not awaited: a slow or unreachable venue must not keep the process from serving.
      p.start(sink).catch((e) =>
        logger.error("provider failed to start", { provider: config.provider, error: e })
      );
      schedule = scheduleSweep(
        config,
        () => sweep({ config, store, queue, logger: logger.child("sweep") }),
        logger,
      );
      logger.info("ingesting", { provider: pp.id, sweep: schedule.how });
    };
    const stopIngest = async () => {
      schedule?.stop();
      schedule = undefined;
      const p = provider;
      provider = undefined;
      delete checks.provider;
      if (p) {
        await withTimeout(p.stop(), config.shutdown_timeout_ms, "provider stop").catch((e) =>
          logger.warn("provider stop", { error: e })
        );
      }
    };
    if (redis) {
      const l = new IngestLock({
        client: redis,
        key: `${q.prefix}:ingest:lock`,
        owner,
        ttlMs: q.ingest_lock_ttl_ms,
        logger: logger.child("ingest-lock"),
        onAcquired: startIngest,
        onLost: stopIngest,
      });
      lock = l;
      checks.ingest = () => ({ ok: true, detail: l.held ? "leader" : "standby", required: false });
      l.start();
    } else startIngest();
  }

  if (redis) {
    const r = redis;
    checks.redis = () => ({
      ok: r.status === "ready",
      detail: r.status,
      required: true,
    });
  }

  const deps: ApiDeps = {
    config,
    registry,
    store,
    version: VERSION,
    startedAt,
    checks,
    roles: [...roles],
    openCandle: (symbol, interval) => openCandles.get(symbol, interval),
  };
  const beforeScrape = () => queue.counts();
  const app = roles.has("api") ? createApp(deps, { beforeScrape }) : createOpsApp(deps, {
    beforeScrape,
  });
  const ready = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: config.hostname,
    port: config.port,
    onListen: (addr) => ready.resolve(addr as Deno.NetAddr),
  }, app.fetch);
  const addr = await ready.promise;
  const host = addr.hostname === "0.0.0.0" ? "127.0.0.1" : addr.hostname;
  const url = `http://${host}:${addr.port}`;
  logger.info(roles.has("api") ? "api listening" : "ops endpoints listening", {
    url,
    roles: [...roles],
    queue: queue.kind,
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      const budget = config.shutdown_timeout_ms;
      const deadline = Date.now() + budget;
      const left = () => Math.max(100, deadline - Date.now());
      logger.info("stopping", { budget_ms: budget });
      if (lock) await withTimeout(lock.stop(), left(), "ingest lock release").catch(() => {});
      else if (schedule || provider) {
        schedule?.stop();
        if (provider) {
          await withTimeout(provider.stop(), left(), "provider stop").catch((e) =>
            logger.warn("provider stop", { error: e })
          );
        }
      }
      if (!(await inflight.drain(left()))) {
        logger.warn("in-flight work abandoned at shutdown", { tasks: inflight.size });
      }
      await queue.close(left()).catch((e) => logger.warn("queue close", { error: e }));
      await openCandles.close().catch(() => {});
      await withTimeout(store.stop(), left(), "store stop").catch((e) =>
        logger.error("store stop", { error: e })
      );
      if (bus) await withTimeout(bus.stop(), left(), "bus close").catch(() => {});
      if (redis) await withTimeout(closeRedis(redis), left(), "redis close").catch(() => {});
      await withTimeout(server.shutdown(), left(), "http shutdown").catch(() => {});
      logger.info("stopped");
    })();

  return {
    url,
    store,
    queue,
    get provider() {
      return provider;
    },
    stop,
  };
}
