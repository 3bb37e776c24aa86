/**
 * Composes the roles of one process with a bounded graceful stop:
 * - ingest: provider → store → evaluation queue (one job per closed candle, retried and parked
 *   through store or queue outages by {@linkcode IngestPipeline}), the open-candle feed and the
 *   missed-candle sweep. With Redis only the holder of the ingest lock ingests; others wait as
 *   standbys and take over when it dies.
 * - worker: evaluation queue → evaluator → store.
 * - api: the HTTP API. Processes without it still serve /health and /metrics.
 *
 * Without `redis_url` the queue is in-process and only `--role all` is possible; with it the
 * queue is BullMQ, any mix of roles can run in any number of processes, and the store is fronted
 * by the Redis cache (hot candles, latest signals) whose writes are announced on
 * `<queue.prefix>:candles` and `<queue.prefix>:signals`.
 *
 * Store and provider plugins are created (their options validated) before anything starts, and a
 * start-up aborted by a signal stops whatever had started.
 * @module
 */
import type { Config } from "../core/config.ts";
import { type PluginContext, readEnv } from "../core/context.ts";
import type { Logger } from "../core/log.ts";
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
import { EvaluationRunner } from "./evaluation.ts";
import type { Evaluator } from "./evaluator.ts";
import { InFlight } from "./inflight.ts";
import { IngestPipeline } from "./ingest.ts";
import { ingestLeader, IngestLock } from "./ingest_lock.ts";
import { MemoryEvalQueue } from "./memory_queue.ts";
import { MemoryOpenCandles, type OpenCandles, RedisOpenCandles } from "./open_candles.ts";
import type { EvalQueue } from "./queue.ts";
import { RedisEvalQueue } from "./redis_queue.ts";
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
  /**
   * Aborts start-up (SIGINT/SIGTERM before the service is up): whatever started is stopped and
   * {@linkcode StartAborted} is thrown.
   */
  signal?: AbortSignal;
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

/** Thrown for a role/configuration combination that cannot run, or plugin options that are bad. */
export class ServiceConfigError extends Error {
  override name = "ServiceConfigError";
}

/** Thrown when start-up was aborted through {@linkcode ServiceOptions.signal}. */
export class StartAborted extends Error {
  override name = "StartAborted";
  constructor() {
    super("start-up aborted");
  }
}

interface Issue {
  code?: string;
  path?: PropertyKey[];
  message?: string;
  keys?: string[];
}

/**
 * The problems of a plugin factory's error, one per line with its key path: a zod error's issues
 * (`plugins.kv.options.bogus: unknown option`), a message listing `path: problem` items after
 * `plugins.<id>.options: ` (as the providers throw), else the message under `plugins.<id>`.
 */
export function pluginProblems(id: string, e: unknown): string[] {
  const at = `plugins.${id}.options`;
  const issues = (e as { issues?: unknown })?.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    return (issues as Issue[]).flatMap((i) => {
      const path = (i.path ?? []).map(String);
      if (i.code === "unrecognized_keys" && Array.isArray(i.keys)) {
        return i.keys.map((k) => `${[at, ...path, k].join(".")}: unknown option`);
      }
      return [`${[at, ...path].join(".")}: ${i.message ?? "invalid"}`];
    });
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (msg.startsWith(`${at}: `)) {
    const items = msg.slice(at.length + 2).split("; ");
    const parsed = items.map((x) => /^([A-Za-z0-9_.]+|\(root\)): (.+)$/s.exec(x));
    if (parsed.every((m) => m !== null)) {
      return parsed.flatMap((m) => {
        const unknown = m![1] === "(root)" && /^Unrecognized keys?: /.test(m![2])
          ? [...m![2].matchAll(/"([^"]+)"/g)].map((k) => k[1])
          : [];
        if (unknown.length > 0) return unknown.map((k) => `${at}.${k}: unknown option`);
        return [`${m![1] === "(root)" ? at : `${at}.${m![1]}`}: ${m![2]}`];
      });
    }
    return [msg];
  }
  return [msg.startsWith(`plugins.${id}`) ? msg : `plugins.${id}: ${msg}`];
}

/** Runs a plugin factory; its error (bad options) becomes a {@linkcode ServiceConfigError}. */
function createPlugin<T>(kind: "store" | "provider", id: string, create: () => T): T {
  try {
    return create();
  } catch (e) {
    throw new ServiceConfigError(
      `${kind} "${id}" cannot be created:\n  ${pluginProblems(id, e).join("\n  ")}`,
    );
  }
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
  const { config, registry, roles, logger, signal } = opts;
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
  // Both plugins validate their options when created: create them before anything starts, so a
  // bad option is a configuration error (exit 2) and not a runtime failure, or an ingest that
  // takes the lock, fails and takes it again forever. A standby validates too.
  const base = createPlugin(
    "store",
    storePlugin.id,
    () => storePlugin.create(pluginContext(config, storePlugin.id, logger)),
  );
  let unusedProvider = providerPlugin &&
    createPlugin(
      "provider",
      providerPlugin.id,
      () => providerPlugin.create(pluginContext(config, providerPlugin.id, logger)),
    );

  // Everything below is started step by step; `shutdown` stops whatever has started, so a failed
  // or aborted start-up leaves nothing running.
  const inflight = new InFlight();
  const checks: Record<string, HealthCheck> = {};
  let bus: RedisBus | undefined;
  let store: Store | undefined;
  let storeStart: Promise<void> | undefined;
  let redis: RedisClient | undefined;
  let queue: EvalQueue | undefined;
  let openCandles: OpenCandles | undefined;
  let pipeline: IngestPipeline | undefined;
  let provider: Provider | undefined;
  let schedule: SweepSchedule | undefined;
  let lock: IngestLock | undefined;
  let server: Deno.HttpServer | undefined;

  let stopping: Promise<void> | undefined;
  const shutdown = (quiet: boolean) =>
    stopping ??= (async () => {
      const budget = config.shutdown_timeout_ms;
      const deadline = Date.now() + budget;
      const left = () => Math.max(100, deadline - Date.now());
      if (!quiet) logger.info("stopping", { budget_ms: budget });
      if (lock) await withTimeout(lock.stop(), left(), "ingest lock release").catch(() => {});
      else if (schedule || provider) {
        ingestLeader.set(0);
        schedule?.stop();
        if (provider) {
          await withTimeout(provider.stop(), left(), "provider stop").catch((e) =>
            logger.warn("provider stop", { error: e })
          );
        }
      }
      // Retry waits end now: a candle still failing is not worth the budget the queue, store and
      // HTTP shutdown need (the provider backfills from the store at the next start).
      pipeline?.close();
      if (!(await inflight.drain(left()))) {
        logger.warn("in-flight work abandoned at shutdown", { tasks: inflight.size });
      }
      await queue?.close(left()).catch((e) => logger.warn("queue close", { error: e }));
      await openCandles?.close().catch(() => {});
      if (store && storeStart) {
        const s = store;
        // A store still starting (start-up aborted) is stopped once its start settles; one whose
        // start failed is stopped too, since it may hold connections (the Redis cache's client).
        const settled = storeStart.then(() => {}, () => {});
        await withTimeout(settled.then(() => s.stop()), left(), "store stop").catch((e) =>
          logger.error("store stop", { error: e })
        );
      }
      if (bus) await withTimeout(bus.stop(), left(), "bus close").catch(() => {});
      if (redis) await withTimeout(closeRedis(redis), left(), "redis close").catch(() => {});
      if (server) {
        await withTimeout(server.shutdown(), left(), "http shutdown").catch(() => {});
      }
      if (!quiet) logger.info("stopped");
    })();

  /** Waits for `p` unless start-up is aborted first. */
  const step = <T>(p: Promise<T>): Promise<T> => {
    if (!signal) return p;
    if (signal.aborted) return Promise.reject(new StartAborted());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new StartAborted());
      signal.addEventListener("abort", onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  };

  try {
    if (signal?.aborted) throw new StartAborted();
    // With Redis every process reads hot candles and the latest signals from one shared cache
    // and announces what it writes; the plugin store stays the source of truth.
    bus = redisUrl === ""
      ? undefined
      : new RedisBus({ url: redisUrl, channelPrefix: q.prefix, logger: logger.child("bus") });
    const st: Store = bus === undefined ? base : withRedisCache(base, {
      url: redisUrl,
      prefix: `${q.prefix}:cache:`,
      hotCandles: Math.max(HOT_CANDLES, config.historical_candle_count),
      bus,
      logger: logger.child("cache"),
    });
    store = st;
    storeStart = st.start();
    await step(storeStart);
    if (opts.onStoreReady) await step(opts.onStoreReady(st));
    checks.store = async () => ({ ...(await st.health()), required: true });
    const owner = `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    const retry = {
      attempts: q.attempts,
      backoffMs: q.backoff_ms,
      deadLetterMax: q.dead_letter_max,
    };

    let qu: EvalQueue;
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
      queue = qu = rq;
      openCandles = new RedisOpenCandles(redis, q.prefix, logger);
      await step(rq.ready(5000)).catch((e) => {
        if (e instanceof StartAborted) throw e;
        logger.warn("queue not ready yet", { error: e });
      });
    } else {
      queue = qu = new MemoryEvalQueue({
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
    checks.queue = () => qu.health();

    // Worker: jobs → evaluator → store. A rebuild reads at least the strategy's warm-up (the
    // runner asks the evaluator), whatever historical_candle_count says.
    if (roles.has("worker")) {
      const runner = new EvaluationRunner({
        store: st,
        makeEvaluator: opts.evaluator!,
        historyCount: config.historical_candle_count,
        logger: logger.child("worker"),
      });
      const durable = qu.kind === "redis";
      qu.consume(async (job) => {
        await runner.run(job);
        // The job is acknowledged in Redis when this returns. A buffering store (questdb) must
        // have written the signal first, or a worker killed before its next flush would lose it.
        if (durable) await st.flush();
      });
    }

    // Ingest: provider → store → queue, gated by the lock when other processes may ingest too.
    if (roles.has("ingest")) {
      const pp = providerPlugin!;
      const b = bus;
      const pl = new IngestPipeline({
        store: st,
        queue: qu,
        // Workers in other processes read the history from the store: make each candle visible.
        flushEach: qu.kind === "redis",
        publish: b && ((symbol, interval, candle) => b.publishCandle(symbol, interval, candle)),
        attempts: q.attempts,
        backoffMs: q.backoff_ms,
        logger: logger.child("ingest"),
      });
      pipeline = pl;
      const oc = openCandles;
      const sink: MarketSink = {
        candle: (symbol, interval, candle) =>
          inflight.run(() => pl.closed(symbol, interval, candle), () => {/* never rejects */}),
        partial: (symbol, interval, candle) => oc.put(symbol, interval, candle),
      };
      const startIngest = () => {
        // The provider created (and validated) at start-up serves the first term; a later one
        // (after the lock was lost and won again) gets a fresh instance.
        const p = unusedProvider ?? pp.create(pluginContext(config, pp.id, logger));
        unusedProvider = undefined;
        provider = p;
        checks.provider = () => ({ ...p.health(), required: false });
        // Not awaited: a slow or unreachable venue must not keep the process from serving.
        p.start(sink).catch((e) =>
          logger.error("provider failed to start", { provider: config.provider, error: e })
        );
        schedule = scheduleSweep(
          config,
          async () => {
            // Candles a store outage kept out of the store first, so the sweep sees them too.
            await pl.retryPending();
            return sweep({ config, store: st, queue: qu, logger: logger.child("sweep") });
          },
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
        checks.ingest = () => ({
          ok: true,
          detail: l.held ? "leader" : "standby",
          required: false,
        });
        l.start();
      } else {
        // Without Redis this process is the only ingest: the leader gauge says so, as the lock
        // would (dashboards alert when the deployment's leaders do not sum to 1).
        startIngest();
        ingestLeader.set(1);
      }
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
      store: st,
      version: VERSION,
      startedAt,
      checks,
      roles: [...roles],
      openCandle: (symbol, interval) => openCandles!.get(symbol, interval),
    };
    const beforeScrape = () => qu.counts();
    const app = roles.has("api") ? createApp(deps, { beforeScrape }) : createOpsApp(deps, {
      beforeScrape,
    });
    const ready = Promise.withResolvers<Deno.NetAddr>();
    server = Deno.serve({
      hostname: config.hostname,
      port: config.port,
      onListen: (addr) => ready.resolve(addr as Deno.NetAddr),
    }, app.fetch);
    const addr = await step(ready.promise);
    if (signal?.aborted) throw new StartAborted();
    const host = addr.hostname === "0.0.0.0" ? "127.0.0.1" : addr.hostname;
    const url = `http://${host}:${addr.port}`;
    logger.info(roles.has("api") ? "api listening" : "ops endpoints listening", {
      url,
      roles: [...roles],
      queue: qu.kind,
    });
    return {
      url,
      store: st,
      queue: qu,
      get provider() {
        return provider;
      },
      stop: () => shutdown(false),
    };
  } catch (e) {
    // A signal stops what started as a normal stop does (logged); a failure cleans up quietly
    // and reports its own error.
    const aborted = e instanceof StartAborted || signal?.aborted === true;
    await shutdown(!aborted);
    throw aborted ? new StartAborted() : e;
  }
}
