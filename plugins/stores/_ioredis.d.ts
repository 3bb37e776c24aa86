/**
 * The part of `ioredis` this project uses. The package's own declarations start with
 * `/// <reference types="node" />`, which resolves to the ancient `@types/node@6` another
 * dependency brings in and breaks type checking of `node:*` imports elsewhere. Extend this file
 * when another command is needed (the runtime client has them all).
 * @module
 */

/** Connection options (a subset of ioredis' RedisOptions). */
export interface RedisOptions {
  lazyConnect?: boolean;
  enableOfflineQueue?: boolean;
  maxRetriesPerRequest?: number | null;
  connectTimeout?: number;
  commandTimeout?: number;
  retryStrategy?: (times: number) => number | null | void;
  autoResubscribe?: boolean;
}

/** An ioredis client. */
export class Redis {
  constructor(url: string, options?: RedisOptions);
  /** "wait" | "connecting" | "connect" | "ready" | "close" | "reconnecting" | "end". */
  readonly status: string;
  connect(): Promise<void>;
  quit(): Promise<string>;
  disconnect(reconnect?: boolean): void;
  on(event: "error", listener: (e: Error) => void): this;
  on(event: "ready" | "close" | "end" | "connect" | "reconnecting", listener: () => void): this;
  on(event: "message", listener: (channel: string, message: string) => void): this;
  off(event: string, listener: (...args: never[]) => void): this;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<number>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  exists(...keys: string[]): Promise<number>;
  scan(cursor: string | number, ...args: (string | number)[]): Promise<[string, string[]]>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string | number, ...args: (string | number)[]): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
  zrange(key: string, start: number, stop: number): Promise<string[]>;
  zcard(key: string): Promise<number>;
  ttl(key: string): Promise<number>;
  ping(): Promise<string>;
  /** Any command by name (e.g. ACL in tests). */
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}
export default Redis;
