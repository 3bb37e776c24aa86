/**
 * Which Hyperliquid to talk to: mainnet by default, testnet for `PERPTRIX_ENV=sandbox|testnet`,
 * and `HYPERLIQUID_API_URL` / `HYPERLIQUID_WS_URL` override either (e.g. the local fake).
 * @module
 */

/** REST base and WebSocket URL. */
export interface Endpoints {
  apiUrl: string;
  wsUrl: string;
  testnet: boolean;
}

/** The venue's public endpoints (§1). */
export const MAINNET: Endpoints = {
  apiUrl: "https://api.hyperliquid.xyz",
  wsUrl: "wss://api.hyperliquid.xyz/ws",
  testnet: false,
};
/** Testnet endpoints (§1). */
export const TESTNET: Endpoints = {
  apiUrl: "https://api.hyperliquid-testnet.xyz",
  wsUrl: "wss://api.hyperliquid-testnet.xyz/ws",
  testnet: true,
};

function checkUrl(name: string, value: string, protocols: string[]): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new TypeError(`${name} "${value}" is not a URL`);
  }
  if (!protocols.includes(u.protocol)) {
    throw new TypeError(`${name} must use ${protocols.join(" or ")}, got "${u.protocol}"`);
  }
  return value.replace(/\/+$/, "");
}

/** Resolves the endpoints; throws a clear error for a malformed override. */
export function resolveEndpoints(
  perptrixEnv: string,
  env: (name: string) => string | undefined,
): Endpoints {
  const e = perptrixEnv.toLowerCase();
  const base = e === "sandbox" || e === "testnet" ? TESTNET : MAINNET;
  const api = env("HYPERLIQUID_API_URL")?.trim();
  const ws = env("HYPERLIQUID_WS_URL")?.trim();
  return {
    apiUrl: api ? checkUrl("HYPERLIQUID_API_URL", api, ["http:", "https:"]) : base.apiUrl,
    wsUrl: ws ? checkUrl("HYPERLIQUID_WS_URL", ws, ["ws:", "wss:"]) : base.wsUrl,
    testnet: base.testnet,
  };
}
