/**
 * Command-line flags of `main.ts`.
 * @module
 */
import { parseArgs } from "node:util";

/** The roles a process can run. */
export const ROLES = ["ingest", "api", "worker"] as const;
/** One role. */
export type Role = typeof ROLES[number];

/** Parsed command line. */
export interface Args {
  roles: Set<Role>;
  config?: string;
  help: boolean;
  version: boolean;
  /** Extra plugin folders laid out like `plugins/` (indicators/, categories/, stores/). */
  plugins: string[];
}

/** Thrown for a bad command line; main prints it with the usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Usage text for `--help`. */
export const USAGE = `perptrix — crypto perpetuals signal engine

Usage: deno task start [options]    (or: perptrix [options] for the compiled binary)

Options:
  --role ROLES     all | ingest | api | worker, comma-separated (default: all)
  --config PATH    JSON configuration file (default: ./config.json when present)
  --plugins DIR    extra plugin folder laid out like plugins/ (repeatable)
  --help           show this help
  --version        print the version

Environment overrides (win over the file): PERPTRIX_ENV SYMBOLS INTERVALS PORT
  HISTORICAL_CANDLE_COUNT EVAL_INTERVAL_SECONDS WORKER_CONCURRENCY PROVIDER STORE REDIS_URL
  QUESTDB_CONFIG API_TOKEN LOG_LEVEL HYPERLIQUID_API_URL HYPERLIQUID_WS_URL KV_PATH OTEL_*
Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad command line, configuration or plugin.
`;

/** Parses `argv` (without the program name). */
export function parseCommandLine(argv: string[]): Args {
  // `deno task start -- --role api` forwards the separator; treat it as nothing.
  if (argv[0] === "--") argv = argv.slice(1);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        role: { type: "string", default: "all" },
        config: { type: "string" },
        plugins: { type: "string", multiple: true, default: [] },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", short: "V", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const roles = new Set<Role>();
  for (const raw of String(v.role).split(",").map((s) => s.trim()).filter(Boolean)) {
    if (raw === "all") ROLES.forEach((r) => roles.add(r));
    else if ((ROLES as readonly string[]).includes(raw)) roles.add(raw as Role);
    else throw new UsageError(`--role: unknown role "${raw}" (use all, ingest, api or worker)`);
  }
  if (roles.size === 0) throw new UsageError("--role: no role given");
  return {
    roles,
    config: v.config as string | undefined,
    help: Boolean(v.help),
    version: Boolean(v.version),
    plugins: (v.plugins as string[]) ?? [],
  };
}
