/**
 * HTTP API throughput and latency over real HTTP on 127.0.0.1: GET /signals/:symbol through the
 * full app (request id, HTTP metrics, CORS, body limit, zod validation, JSON) against a bare Hono
 * "hello" route, all served by one child process (`_api_server.ts`) so the load generator has its
 * own thread. The stores hold a year of real signals (the engine's default strategy over real BTC
 * 1h candles): the kv store (the service's default, on a database file) and the memory store.
 *
 * Measured per target: CONNECTIONS concurrent keep-alive clients (fetch) for DURATION_MS after a
 * warm-up; requests/s, p50/p99 latency as the client sees it, response size, and the ratio to
 * "hello" in the same run. Targets (issue 7): ≥ 10,000 req/s with p99 < 10 ms on 2 cores.
 * `limit=1` is "the current signal"; the bare `/signals/BTC` is the API's default query (limit
 * 500, ~0.8 MB per answer), which is bound by bytes rather than by requests.
 * The Deno.bench entries time single sequential requests, hello as baseline.
 *
 * Run: `deno task bench` (or `deno bench ... bench/api_bench.ts` with the task's flags).
 * @module
 */

const CONNECTIONS = 32;
const DURATION_MS = 3000;
const WARMUP_MS = 1000;
/** The whole list is measured this many times, each round printed: the machine is shared. */
const ROUNDS = 2;

const dbDir = Deno.makeTempDirSync({ prefix: "perptrix-api-bench-" });
const server = new Deno.Command("deno", {
  args: [
    "run",
    "--unstable-kv",
    "--allow-net=127.0.0.1",
    "--allow-read=.,../shared,/tmp",
    "--allow-write=/tmp",
    "--allow-env",
    new URL("./_api_server.ts", import.meta.url).pathname,
    dbDir,
  ],
  cwd: new URL("..", import.meta.url).pathname,
  stdin: "null",
  stdout: "piped",
  stderr: "inherit",
}).spawn();

globalThis.addEventListener("unload", () => {
  try {
    server.kill("SIGKILL");
  } catch { /* gone */ }
  Deno.removeSync(dbDir, { recursive: true });
});

const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
let line = "";
const started = Date.now();
while (!line.includes("\n")) {
  if (Date.now() - started > 60_000) throw new Error("bench server did not start in 60 s");
  const { value, done } = await reader.read();
  if (done) throw new Error("bench server exited before listening");
  line += value;
}
reader.releaseLock();
const info = JSON.parse(line.split("\n")[0]) as {
  kv: number;
  memory: number;
  hello: number;
  signals: number;
  bytes_per_signal: number;
};

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Mean response body bytes. */
  bytes: number;
}

/** CONNECTIONS clients request `url` back to back for `ms`; latencies in ms. */
async function load(url: string, ms: number): Promise<Load> {
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
        const n = (await r.arrayBuffer()).byteLength;
        bytes += n;
        if (!r.ok) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  }));
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    rps: latencies.length / (ms / 1000),
    p50: q(0.5),
    p99: q(0.99),
    errors,
    bytes: bytes / Math.max(1, latencies.length),
  };
}

const hello = `http://127.0.0.1:${info.hello}/`;
const kv = `http://127.0.0.1:${info.kv}`;
const memory = `http://127.0.0.1:${info.memory}`;
const targets: [string, string][] = [
  ['bare Hono "hello"', hello],
  ["kv     GET /signals/BTC?limit=1", `${kv}/signals/BTC?limit=1`],
  ["kv     GET /signals/BTC?limit=10", `${kv}/signals/BTC?limit=10`],
  ["kv     GET /signals/BTC (limit 500)", `${kv}/signals/BTC`],
  ["memory GET /signals/BTC?limit=1", `${memory}/signals/BTC?limit=1`],
  ["memory GET /signals/BTC?limit=10", `${memory}/signals/BTC?limit=10`],
];
for (let round = 1; round <= ROUNDS; round++) {
  const results: Load[] = [];
  for (const [, url] of targets) {
    await load(url, WARMUP_MS);
    results.push(await load(url, DURATION_MS));
  }
  console.log(
    `\nAPI over HTTP, round ${round}/${ROUNDS}: ${CONNECTIONS} keep-alive connections, ` +
      `${DURATION_MS} ms each; ${info.signals} real signals stored ` +
      `(${info.bytes_per_signal} B of JSON each):`,
  );
  for (let i = 0; i < targets.length; i++) {
    const r = results[i];
    console.log(
      `  ${targets[i][0].padEnd(38)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${
        r.p50.toFixed(2).padStart(6)
      } ms  p99 ${r.p99.toFixed(2).padStart(6)} ms  ${
        (r.bytes / 1024).toFixed(1).padStart(6)
      } KiB  ${(r.rps * r.bytes / 1e6).toFixed(0).padStart(4)} MB/s  ${
        (r.rps / results[0].rps).toFixed(2)
      }× hello` + (r.errors > 0 ? `  (${r.errors} errors)` : ""),
    );
  }
}

const group = "one request at a time over HTTP";
Deno.bench({ name: 'bare Hono "hello"', group, baseline: true }, async () => {
  await (await fetch(targets[0][1])).arrayBuffer();
});
Deno.bench({ name: "kv GET /signals/BTC?limit=1", group }, async () => {
  await (await fetch(targets[1][1])).arrayBuffer();
});
