/**
 * The QuestDB connection, read from the client's own configuration string
 * (`http::addr=host:port;username=..;password=..;` or `token=..`), parsed by the client library
 * itself so both sides agree. Errors never echo the string: it may hold credentials.
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
}

/** The configuration string is unusable; the message is redacted. */
export class QuestDbConfigError extends Error {
  override name = "QuestDbConfigError";
}

/** Parses a client configuration string; only `http` and `https` are accepted. */
export function parseQuestDbConfig(
  conf: string,
  log?: (level: "error" | "warn" | "info" | "debug", message: string | Error) => void,
): QuestDbEndpoint {
  let opts: SenderOptions;
  try {
    opts = new SenderOptions(conf, log ? { log } : undefined);
  } catch (e) {
    throw new QuestDbConfigError(`invalid questdb_config: ${redact((e as Error).message)}`);
  }
  const o = opts as SenderOptions & Record<string, unknown>;
  if (o.protocol !== "http" && o.protocol !== "https") {
    throw new QuestDbConfigError(
      `questdb_config must use http:: or https:: (ILP over HTTP), not ${String(o.protocol)}::`,
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
  return { baseUrl: `${o.protocol}://${bracketed}:${port}`, authorization, senderOptions: opts };
}
