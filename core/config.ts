/**
 * Configuration: `config.json` validated with zod, then environment overrides with the original
 * system's variable names. Every problem is reported with its key path; nothing starts on error.
 * @module
 */
import { z } from "zod";
import { cronProblem } from "./cron_syntax.ts";
import { INTERVALS } from "./interval.ts";
import { redact } from "./log.ts";

/** Why a non-empty `redis_url` cannot be used, or undefined; never echoes its credentials. */
function redisUrlProblem(raw: string): string | undefined {
  const s = raw.trim();
  if (s === "") return undefined;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return `"${redact(s)}" is not a URL (redis://[[user]:password@]host[:port][/db])`;
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    return `"${redact(s)}" must start with redis:// or rediss://`;
  }
  if (!/^(\/\d*)?$/.test(url.pathname)) {
    return `"${redact(s)}": the path must be a database number, e.g. /0`;
  }
  return undefined;
}

const symbol = z.string().trim().min(1).max(32).regex(
  /^[A-Za-z0-9:_\-]+$/,
  "symbols are letters, digits, ':', '_' or '-'",
);

/** Per-plugin switch, parameters (indicators) and options (providers, stores). */
// deno-doc-ignore missing-explicit-type -- the type is inferred from the zod schema
export const PluginConfigSchema = z.object({
  enabled: z.boolean().default(true),
  params: z.record(z.string(), z.unknown()).default({}),
  options: z.record(z.string(), z.unknown()).default({}),
}).strict();

/** The configuration schema; `ConfigSchema.parse({})` gives every default. */
// deno-doc-ignore missing-explicit-type -- the type is inferred from the zod schema
export const ConfigSchema = z.object({
  /** `production` (mainnet) or `sandbox`/`testnet` (Hyperliquid testnet). */
  perptrix_env: z.enum(["production", "sandbox", "testnet", "development"]).default("production"),
  symbols: z.array(symbol).min(1).max(1000).default(["BTC", "ETH"]),
  intervals: z.array(z.enum(INTERVALS)).min(1).default(["1m", "5m", "15m", "1h"]),
  /** HTTP bind address. */
  hostname: z.string().min(1).default("0.0.0.0"),
  port: z.number().int().min(0).max(65535).default(8080),
  historical_candle_count: z.number().int().min(1).max(5000).default(200),
  eval_interval_seconds: z.number().int().min(1).max(86_400).default(60),
  /** Cron expression (5 fields, UTC) for the missed-candle sweep; empty = every eval_interval_seconds. */
  eval_cron: z.string().max(100).superRefine((s, ctx) => {
    const p = s.trim() === "" ? undefined : cronProblem(s.trim());
    if (p !== undefined) {
      ctx.addIssue({ code: "custom", message: `not a Deno.cron schedule: ${p}` });
    }
  }).default(""),
  worker_concurrency: z.number().int().min(1).max(256).default(4),
  /** Market-data provider plugin id. */
  provider: z.string().min(1).default("hyperliquid"),
  /** Store plugin id: `kv` (embedded default), `memory` or `questdb`. */
  store: z.string().min(1).default("kv"),
  /** Redis URL; empty disables the cache layer (required by split roles). */
  redis_url: z.string().superRefine((s, ctx) => {
    const p = redisUrlProblem(s);
    if (p !== undefined) ctx.addIssue({ code: "custom", message: p });
  }).default(""),
  /** The QuestDB client's own config string, e.g. `http::addr=127.0.0.1:9000;`. */
  questdb_config: z.string().default("http::addr=127.0.0.1:9000;"),
  /** Bearer token for strategy mutations; empty disables them. */
  api_token: z.string().default(""),
  /** Strategy profile used for symbols without their own. */
  default_strategy: z.string().min(1).default("default"),
  /** Strategy profile per symbol, e.g. `{"ETH": "aggressive"}`. */
  strategies: z.record(z.string(), z.string()).default({}),
  log_level: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Upper bound for a graceful stop. */
  shutdown_timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  http: z.object({
    cors_origins: z.array(z.string()).default(["*"]),
    max_body_bytes: z.number().int().min(1024).max(10_485_760).default(65_536),
    max_limit: z.number().int().min(1).max(100_000).default(5000),
  }).strict().default({ cors_origins: ["*"], max_body_bytes: 65_536, max_limit: 5000 }),
  /** Evaluation job queue and ingest lock of split roles (Redis). */
  queue: z.object({
    /** Redis key prefix of the queue, dead letters and ingest lock. */
    prefix: z.string().regex(/^[A-Za-z0-9:_\-]{1,64}$/).default("perptrix"),
    /** Tries per evaluation job before it goes to the dead-letter list. */
    attempts: z.number().int().min(1).max(50).default(5),
    /** First retry delay; doubles on every further try. */
    backoff_ms: z.number().int().min(1).max(600_000).default(200),
    /** A job whose worker stops renewing its lock this long is handed to another worker. */
    lock_ms: z.number().int().min(1000).max(600_000).default(30_000),
    /** Completed job ids are kept (deduplicating re-announcements) this long. */
    keep_completed_seconds: z.number().int().min(60).max(30 * 86_400).default(86_400),
    dead_letter_max: z.number().int().min(1).max(1_000_000).default(10_000),
    /** Lifetime of the single-ingest lock; a standby takes over within about this long. */
    ingest_lock_ttl_ms: z.number().int().min(1000).max(600_000).default(15_000),
  }).strict().default({
    prefix: "perptrix",
    attempts: 5,
    backoff_ms: 200,
    lock_ms: 30_000,
    keep_completed_seconds: 86_400,
    dead_letter_max: 10_000,
    ingest_lock_ttl_ms: 15_000,
  }),
  /** Per-plugin settings keyed by plugin id. */
  plugins: z.record(z.string(), PluginConfigSchema).default({}),
}).strict();

/** The validated configuration. */
// deno-doc-ignore private-type-ref -- derived from the schema with zod's own `output` type
export type Config = z.infer<typeof ConfigSchema>;

/** Invalid configuration: `problems` lists every issue as `path: message`. */
export class ConfigError extends Error {
  /** `"ConfigError"`: what logs and stack traces show instead of the generic `"Error"`. */
  override name = "ConfigError";
  /** The message lists `problems`, one per indented line. */
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

/** Environment variable → config key, and how to parse it. */
const ENV: Record<string, [string, "string" | "int" | "list"]> = {
  PERPTRIX_ENV: ["perptrix_env", "string"],
  SYMBOLS: ["symbols", "list"],
  INTERVALS: ["intervals", "list"],
  HOSTNAME_BIND: ["hostname", "string"],
  PORT: ["port", "int"],
  HISTORICAL_CANDLE_COUNT: ["historical_candle_count", "int"],
  EVAL_INTERVAL_SECONDS: ["eval_interval_seconds", "int"],
  EVAL_CRON: ["eval_cron", "string"],
  WORKER_CONCURRENCY: ["worker_concurrency", "int"],
  PROVIDER: ["provider", "string"],
  STORE: ["store", "string"],
  REDIS_URL: ["redis_url", "string"],
  QUESTDB_CONFIG: ["questdb_config", "string"],
  API_TOKEN: ["api_token", "string"],
  LOG_LEVEL: ["log_level", "string"],
};

/** Names of the environment variables the configuration reads (for `--allow-env`). */
export const CONFIG_ENV_NAMES: readonly string[] = Object.keys(ENV);

function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(root)" : path.map(String).join(".");
}

/**
 * Builds the configuration from a parsed JSON object and an environment. Pure: tests pass both.
 * Environment values win over the file. Throws {@linkcode ConfigError} listing every problem.
 */
export function buildConfig(
  file: unknown,
  env: (name: string) => string | undefined = () => undefined,
): Config {
  const problems: string[] = [];
  if (file === null || typeof file !== "object" || Array.isArray(file)) {
    throw new ConfigError(["(root): the configuration file must hold a JSON object"]);
  }
  const merged: Record<string, unknown> = { ...(file as Record<string, unknown>) };
  /** Keys set from the environment, so a problem names the variable the operator set. */
  const fromEnv = new Map<PropertyKey, string>();
  for (const [name, [key, kind]] of Object.entries(ENV)) {
    const raw = env(name);
    if (raw === undefined || raw === "") continue;
    fromEnv.set(key, name);
    if (kind === "int") {
      const n = Number(raw.trim());
      if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
        problems.push(`${key} (env ${name}): "${raw}" is not an integer`);
        continue;
      }
      merged[key] = n;
    } else if (kind === "list") {
      merged[key] = raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    } else merged[key] = raw.trim();
  }
  if (merged.perptrix_env === "prod") merged.perptrix_env = "production";
  const r = ConfigSchema.safeParse(merged);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const name = fromEnv.get(issue.path[0]);
      const where = name === undefined ? "" : ` (env ${name})`;
      problems.push(`${formatPath(issue.path)}${where}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return r.data!;
}

/** Reads and validates `path` (missing file = all defaults unless `required`), with env overrides. */
export async function loadConfig(
  path: string | undefined,
  env: (name: string) => string | undefined,
): Promise<Config> {
  let file: unknown = {};
  if (path !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      throw new ConfigError([`(file ${path}): cannot be read: ${(e as Error).message}`]);
    }
    try {
      file = JSON.parse(text);
    } catch (e) {
      throw new ConfigError([`(file ${path}): is not valid JSON: ${(e as Error).message}`]);
    }
  }
  return buildConfig(file, env);
}
