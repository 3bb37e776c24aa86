/**
 * Load measurement (not a Deno.bench: it runs for a while and prints resource use): every perp of
 * the recorded Hyperliquid meta (≈200) × 4 intervals plus activeAssetCtx = 1000 subscriptions over
 * 4 connections, against the fake running in a separate process on the real clock.
 *
 *   deno run --allow-net=127.0.0.1 --allow-read=.,../shared --allow-run=deno \
 *     --allow-env bench/hyperliquid_load.ts
 *
 * Env: LOAD_SECONDS (default 60), FAKE_STEPS (cumulative updates per bucket, default 60: a 1m
 * bucket then updates every second like a liquid market). Prints, every 10 s and at the end,
 * frames/s received, candles closed, RSS and the provider process's CPU time (user + system from
 * process.cpuUsage) as a share of one core.
 */
import process from "node:process";
import { buildConfig } from "../core/config.ts";
import { createLogger, setLogLevel } from "../core/log.ts";
import { registry } from "../core/metrics.ts";
import { HyperliquidProvider } from "../providers/hyperliquid/provider.ts";

setLogLevel("warn");
const seconds = Number(Deno.env.get("LOAD_SECONDS") ?? "60");
const steps = Deno.env.get("FAKE_STEPS") ?? "60";
const port = 18_000 + Math.floor(Math.random() * 1000);

const fake = new Deno.Command("deno", {
  args: [
    "run",
    "--allow-net=127.0.0.1",
    "--allow-read=.,../shared",
    "--allow-env",
    "tests/fakes/hyperliquid.ts",
  ],
  env: {
    FAKE_PORT: String(port),
    FAKE_COINS: "all",
    FAKE_STEPS: steps,
    FAKE_WEIGHT_PER_MINUTE: "1000000",
  },
  stdout: "piped",
  stderr: "inherit",
}).spawn();
// Wait for the fake to print its URLs.
const reader = fake.stdout.pipeThrough(new TextDecoderStream()).getReader();
let banner = "";
while (!banner.includes("HYPERLIQUID_WS_URL")) {
  const { value, done } = await reader.read();
  if (done) throw new Error("fake exited before listening");
  banner += value;
}
void (async () => {
  while (!(await reader.read()).done) { /* drain */ }
})();

const meta = JSON.parse(
  Deno.readTextFileSync(
    "../shared/reference/hyperliquid-samples/rest/go-hyperliquid/info_meta_2025-08-22.response.json",
  ),
) as { universe: { name: string }[] };
const symbols = meta.universe.map((u) => u.name).slice(0, 200);

/** User + system CPU time of this process (node:process; /proc needs --allow-all in Deno). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
async function metric(name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.reduce((a, v) => a + v.value, 0);
}

const provider = new HyperliquidProvider({
  config: buildConfig({
    symbols,
    intervals: ["1m", "5m", "15m", "1h"],
    historical_candle_count: 200,
  }),
  // The fake enforces the same budget; the startup backfill of 800 series is what takes time.
  options: { weightPerMinute: 1_000_000, fundingBackfillHours: 24 },
  env: (n) =>
    n === "HYPERLIQUID_API_URL"
      ? `http://127.0.0.1:${port}`
      : n === "HYPERLIQUID_WS_URL"
      ? `ws://127.0.0.1:${port}/ws`
      : undefined,
  logger: createLogger("load"),
});
let closed = 0;
let perps = 0;
await provider.start({ candle: () => closed++, perp: () => perps++ });
const t0 = performance.now();
await provider.backfilled();
console.log(
  `backfill of ${symbols.length * 4} series done in ${
    ((performance.now() - t0) / 1000).toFixed(1)
  } s ` +
    `(${closed} candles); ${provider.connectionCount} connections`,
);
const cpu0 = cpuSeconds();
const frames0 = await metric("perptrix_ws_messages_total");
const start = performance.now();
const closed0 = closed;
for (let elapsed = 0; elapsed < seconds; elapsed += 10) {
  await new Promise((r) => setTimeout(r, Math.min(10, seconds - elapsed) * 1000));
  const dt = (performance.now() - start) / 1000;
  const frames = (await metric("perptrix_ws_messages_total")) - frames0;
  const mem = Deno.memoryUsage();
  console.log(
    `${dt.toFixed(0)} s: ${(frames / dt).toFixed(0)} frames/s, ${
      closed - closed0
    } candles closed, ` +
      `${perps} perp snapshots, RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap ` +
      `${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, CPU ${
        ((cpuSeconds() - cpu0) / dt * 100).toFixed(1)
      } % of one core; health ${provider.health().detail}`,
  );
}
await provider.stop();
fake.kill("SIGTERM");
await fake.status;
