/**
 * The part of `@questdb/nodejs-client` the questdb store uses. The package's own declarations
 * import bare `fs`/`http`, which resolves to the ancient `@types/node@6` another dependency
 * brings in and breaks type checking of `node:*` imports elsewhere; these types avoid that.
 * @module
 */

/** Log hook the client calls. */
export type Logger = (level: "error" | "warn" | "info" | "debug", message: string | Error) => void;

/** Parsed client configuration (a configuration string's keys become properties). */
export class SenderOptions {
  constructor(configurationString: string, extraOptions?: { log?: Logger });
  protocol: string;
  protocol_version?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  token?: string;
  auto_flush?: boolean;
  stdlib_http?: boolean;
  [key: string]: unknown;
  /** Asks the server (HTTP /settings) which ILP version to use when `protocol_version=auto`. */
  static resolveAuto(options: SenderOptions): Promise<SenderOptions>;
}

/** The client's transport: sends encoded ILP bytes (HTTP: POST /write, auth, retries, timeouts). */
export interface SenderTransport {
  send(data: Uint8Array): Promise<boolean>;
  close(): Promise<void>;
}

/** Creates the transport the options describe (options must have a resolved protocol version). */
export function createTransport(options: SenderOptions): SenderTransport;

/** The ILP sender: rows go into its buffer, `flush()` sends them. */
export class Sender {
  constructor(options: SenderOptions);
  table(name: string): Sender;
  symbol(name: string, value: string): Sender;
  floatColumn(name: string, value: number): Sender;
  intColumn(name: string, value: number): Sender;
  stringColumn(name: string, value: string): Sender;
  booleanColumn(name: string, value: boolean): Sender;
  at(timestamp: number | bigint, unit?: "ns" | "us" | "ms"): Promise<void>;
  flush(): Promise<boolean>;
  reset(): Sender;
  close(): Promise<void>;
}
