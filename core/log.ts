/**
 * Structured JSON-lines logging to stderr, with secret redaction.
 * @module
 */

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger bound to a component name. Each call writes one JSON line when its level is at or above
 * the global one ({@linkcode setLogLevel}); `fields` join the line, with credentials redacted.
 */
export interface Logger {
  /** Diagnostics, printed only when the level is `debug`. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** Normal operation (the default level). */
  info(msg: string, fields?: Record<string, unknown>): void;
  /** Something went wrong but the component carries on. */
  warn(msg: string, fields?: Record<string, unknown>): void;
  /** A failure; the highest level, so never filtered out. */
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger for a sub-component, named `<component>.<child>`, sharing the global level. */
  child(component: string): Logger;
}

const SECRET_KEY = /(token|secret|password|passwd|authorization|api[_-]?key|private)/i;
// The whole userinfo up to the last '@' before the path: the user may be empty
// (`redis://:secret@host`) and a password may hold a raw '@'.
const URL_CREDENTIALS = /\/\/[^/\s]*@/g;
// A value runs to the first single ';': QuestDB config strings escape ';' inside a value as ';;'.
const CONF_SECRETS = /((?:password|token(?:_[xy])?|username)=)(?:;;|[^;])*/gi;

/** Removes credentials from a string: URL user:pass, `password=`/`token=` config values. */
export function redact(s: string): string {
  return s.replace(URL_CREDENTIALS, "//***:***@").replace(CONF_SECRETS, "$1***");
}

function clean(v: unknown, depth = 0): unknown {
  if (typeof v === "string") return redact(v);
  if (v instanceof Error) return redact(`${v.name}: ${v.message}`);
  if (v === null || typeof v !== "object" || depth > 4) return v;
  if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEY.test(k) ? "***" : clean(x, depth + 1);
  return out;
}

let threshold = ORDER.info;

/** Sets the minimum level printed by every logger. */
export function setLogLevel(level: LogLevel): void {
  threshold = ORDER[level];
}

/** Creates a logger; output is one JSON object per line on stderr. */
export function createLogger(component = "perptrix"): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < threshold) return;
    const line = JSON.stringify({
      ts: new Date().toISOString(),
      level,
      component,
      msg: redact(msg),
      ...(fields ? clean(fields) as Record<string, unknown> : {}),
    });
    console.error(line);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (c) => createLogger(`${component}.${c}`),
  };
}
