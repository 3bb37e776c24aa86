/**
 * The QuestDB connection, read from the client's own configuration string
 * (`http::addr=host:port;username=..;password=..;` or `token=..`), parsed by the client library
 * itself so both sides agree.
 *
 * Errors never echo the string or any part of a credential. The client's own messages quote the
 * setting that failed, and a credential holding a single `;` (it must be written `;;`) is split
 * into settings that are fragments of it ("Missing '=' sign in 'et'"). So the string is first
 * scanned here, the way the client splits it, and problems with credentials or with whatever
 * follows one are reported by setting number and key only; the client only sees strings whose
 * remaining problems are in non-secret values.
 *
 * `tls_ca` (a PEM file the process must be able to read: the deno tasks grant `--allow-read=.`
 * only, so keep it under the working directory or widen the flag) is trusted by the ILP writes and
 * by the store's own queries. `tls_verify=unsafe_off` is refused: Deno's `fetch`, which runs the
 * queries, cannot skip certificate checks for one client.
 * @module
 */
// @ts-types="./client.d.ts"
import { SenderOptions } from "@questdb/nodejs-client";
import { redact } from "perptrix";

/** Where and how to reach QuestDB's HTTP API. */
export interface QuestDbEndpoint {
  /** `http://host:port` or `https://host:port`. */
  baseUrl: string;
  /** `Authorization` header value, when the config carries credentials. */
  authorization?: string;
  /** The parsed options, for the ILP sender. */
  senderOptions: SenderOptions;
  /** `tls_ca`: a PEM file of CA certificates trusted in addition to the system roots. */
  tlsCa?: string;
  /** No `protocol_version` was given: the store asks the server (`/settings`). */
  negotiateProtocol: boolean;
}

/** The configuration string is unusable; the message never holds a credential. */
export class QuestDbConfigError extends Error {
  override name = "QuestDbConfigError";
}

/** Keys the client accepts (its `ValidConfigKeys`). */
const KEYS = new Set([
  "protocol_version",
  "addr",
  "username",
  "password",
  "token",
  "token_x",
  "token_y",
  "auto_flush",
  "auto_flush_rows",
  "auto_flush_interval",
  "request_min_throughput",
  "request_timeout",
  "retry_timeout",
  "init_buf_size",
  "max_buf_size",
  "max_name_len",
  "stdlib_http",
  "tls_verify",
  "tls_ca",
  "tls_roots",
  "tls_roots_password",
]);

/** Keys whose values are credentials. */
const SECRET_KEYS = new Set([
  "username",
  "password",
  "token",
  "token_x",
  "token_y",
  "tls_roots_password",
]);

interface Setting {
  key: string;
  value: string;
}

/**
 * Splits the settings as the client does (a value ends at a single `;`, `;;` is a literal `;`).
 * Throws a {@linkcode QuestDbConfigError} naming the setting by number and key, never by value.
 */
function scanSettings(conf: string): Setting[] {
  const start = conf.indexOf("::");
  if (start < 0) {
    throw new QuestDbConfigError(
      "invalid questdb_config: no protocol; the format is 'http::addr=host:port;key=value;'",
    );
  }
  const out: Setting[] = [];
  let pos = start + 2;
  let prevSecret: string | undefined;
  for (let n = 1; pos < conf.length; n++) {
    let end = conf.indexOf(";", pos);
    while (end >= 0 && conf[end + 1] === ";") end = conf.indexOf(";", end + 2);
    if (end < 0) end = conf.length;
    const setting = conf.slice(pos, end).replaceAll(";;", ";");
    pos = end + 1;
    const eq = setting.indexOf("=");
    const key = eq < 0 ? undefined : setting.slice(0, eq);
    const at = `invalid questdb_config: setting ${n}`;
    // Right after a credential, a setting without a known key is most likely the rest of that
    // credential: it is named by its position only.
    const fragment = prevSecret === undefined ? "" : ` (the one after '${prevSecret}=')`;
    const hint = prevSecret === undefined
      ? ""
      : `; it may be part of the ${prevSecret} value, not shown: a ';' inside a value must be ` +
        `written ';;'`;
    if (key === undefined) throw new QuestDbConfigError(`${at}${fragment} has no '='${hint}`);
    if (!KEYS.has(key)) {
      throw new QuestDbConfigError(
        prevSecret === undefined && /^[\x21-\x7e]{1,40}$/.test(key)
          ? `${at}: unknown key '${key}'`
          : `${at}${fragment}: unknown key${hint}`,
      );
    }
    const value = setting.slice(eq + 1);
    if (value === "") throw new QuestDbConfigError(`${at}: '${key}' has no value`);
    // The client refuses these characters and quotes the whole value when it does.
    // deno-lint-ignore no-control-regex -- control characters are exactly what is looked for
    if (/[\x00-\x1f\x7f-\x9f]/.test(value)) {
      throw new QuestDbConfigError(`${at}: the '${key}' value holds a control character`);
    }
    out.push({ key, value });
    prevSecret = SECRET_KEYS.has(key) ? key : undefined;
  }
  return out;
}

/** Parses a client configuration string; only `http` and `https` are accepted. */
export function parseQuestDbConfig(
  conf: string,
  log?: (level: "error" | "warn" | "info" | "debug", message: string | Error) => void,
): QuestDbEndpoint {
  const settings = scanSettings(conf);
  let opts: SenderOptions;
  try {
    opts = new SenderOptions(conf, log ? { log } : undefined);
  } catch (e) {
    // What is left for the client to refuse are non-secret values (addr, numbers, flags), but
    // credentials are still masked should its wording ever quote one.
    let msg = redact(String((e as Error)?.message ?? e));
    for (const s of settings) {
      if (SECRET_KEYS.has(s.key) && s.value.length >= 3) msg = msg.replaceAll(s.value, "***");
    }
    throw new QuestDbConfigError(`invalid questdb_config: ${msg}`);
  }
  const o = opts as SenderOptions & Record<string, unknown>;
  if (o.protocol !== "http" && o.protocol !== "https") {
    throw new QuestDbConfigError(
      `questdb_config must use http:: or https:: (ILP over HTTP), not ${String(o.protocol)}::`,
    );
  }
  if (o.tls_verify === false) {
    throw new QuestDbConfigError(
      "questdb_config: tls_verify=unsafe_off is not supported (Deno's fetch, used for queries, " +
        "cannot skip certificate checks for one client); trust the server's certificate with " +
        "tls_ca=/path/to/ca.pem instead",
    );
  }
  const host = String(o.host);
  const port = Number(o.port ?? 9000);
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  let authorization: string | undefined;
  if (typeof o.token === "string" && o.token.length > 0) authorization = `Bearer ${o.token}`;
  else if (typeof o.username === "string" && typeof o.password === "string") {
    const bytes = new TextEncoder().encode(`${o.username}:${o.password}`);
    authorization = `Basic ${btoa(String.fromCharCode(...bytes))}`;
  }
  // The client's undici transport never gives up on a refused connection under Deno; its
  // node:http transport fails fast and honours request_timeout, so it is always used here.
  o.stdlib_http = true;
  // Flushing is driven by the store (timer, batch size, shutdown), never by the client.
  o.auto_flush = false;
  return {
    baseUrl: `${o.protocol}://${bracketed}:${port}`,
    authorization,
    senderOptions: opts,
    tlsCa: typeof o.tls_ca === "string" && o.tls_ca !== "" ? o.tls_ca : undefined,
    negotiateProtocol: o.protocol_version === "auto",
  };
}
