/**
 * HTTP API throughput and latency over real HTTP on 127.0.0.1: GET /signals/:symbol (the full
 * app: request id, HTTP metrics, CORS, validation, the memory store holding ~1,150 real signals)
 * against a bare Hono "hello" route, both served by one child process (`_api_server.ts`) so the
 * load generator has its own thread. The load generator is this process: CONNECTIONS concurrent
 * keep-alive clients (fetch) for DURATION_MS per target, after a warm-up. It prints requests/s,
 * p50/p99 and the ratio to "hello" measured in the same run (targets: ≥ 10,000 req/s, p99 < 10 ms
 * on 2 cores). The Deno.bench entries below time single sequential requests, hello as baseline.
 *
 * Run: `deno task bench` (or `deno bench ... bench/api_bench.ts` with the task's flags).
 * @module
 */

const CONNECTIONS = 32;
const DURATION_MS = 3000;
const WARMUP_MS = 500;

const server = new Deno.Command("deno", {
  args: [
    "run",
    "--allow-net=127.0.0.1",
    "--allow-read=.,../shared",
    "--allow-env",
    new URL("./_api_server.ts", import.meta.url).pathname,
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
const ports = JSON.parse(line.split("\n")[0]) as { api: number; hello: number; signals: number };

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** CONNECTIONS clients request `url` back to back for `ms`; latencies in ms. */
async function load(url: string, ms: number): Promise<Load> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
        await r.arrayBuffer();
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
  return { rps: latencies.length / (ms / 1000), p50: q(0.5), p99: q(0.99), errors };
}

const targets: [string, string][] = [
  ['bare Hono "hello"', `http://127.0.0.1:${ports.hello}/`],
  [
    "GET /signals/BTC?interval=1h&limit=1",
    `http://127.0.0.1:${ports.api}/signals/BTC?interval=1h&limit=1`,
  ],
  [
    "GET /signals/BTC?interval=1h&limit=10",
    `http://127.0.0.1:${ports.api}/signals/BTC?interval=1h&limit=10`,
  ],
  [
    "GET /signals/BTC?interval=1h&limit=100",
    `http://127.0.0.1:${ports.api}/signals/BTC?interval=1h&limit=100`,
  ],
];
const results: Load[] = [];
for (const [, url] of targets) {
  await load(url, WARMUP_MS);
  results.push(await load(url, DURATION_MS));
}
console.log(
  `\nAPI over HTTP, ${CONNECTIONS} keep-alive connections, ${DURATION_MS} ms each, ` +
    `${ports.signals} signals stored:`,
);
for (let i = 0; i < targets.length; i++) {
  const r = results[i];
  console.log(
    `  ${targets[i][0].padEnd(40)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${
      r.p50.toFixed(2)
    } ms  p99 ${r.p99.toFixed(2)} ms  ${(r.rps / results[0].rps).toFixed(2)}× hello` +
      (r.errors > 0 ? `  (${r.errors} errors)` : ""),
  );
}

const group = "one request at a time over HTTP";
Deno.bench({ name: 'bare Hono "hello"', group, baseline: true }, async () => {
  await (await fetch(targets[0][1])).arrayBuffer();
});
Deno.bench({ name: "GET /signals/BTC?limit=10", group }, async () => {
  await (await fetch(targets[2][1])).arrayBuffer();
});
