/**
 * The entry point as users run it: flags, exit codes, configuration and plugin errors, /health on
 * the embedded default, graceful stop, and a drop-in indicator registered and scored.
 */
import assert from "node:assert/strict";
import { discover } from "../core/registry.ts";
import { buildConfig } from "../core/config.ts";
import { createEvaluator } from "../runtime/engine_evaluator.ts";
import { BTC_1H, loadCandles } from "./data.ts";
import { RoleProcess } from "./_role_process.ts";
// @ts-types="../plugins/stores/_ioredis.d.ts"
import { Redis } from "ioredis";

const ROOT = new URL("..", import.meta.url).pathname;
const deno = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
/** The start task's own flags, so the test runs main.ts exactly as `deno task start` does. */
const START_FLAGS: string[] = (deno.tasks.start as string).split(/\s+/).filter((a) =>
  a.startsWith("--")
);

function run(args: string[], env: Record<string, string> = {}) {
  return new Deno.Command("deno", {
    args: ["run", ...START_FLAGS, "main.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

async function output(args: string[], env: Record<string, string> = {}) {
  const o = await run(args, env).output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

Deno.test("--help and --version", async () => {
  const h = await output(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--role ROLES/);
  const v = await output(["--version"]);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), `perptrix ${deno.version}`);
});

Deno.test("a bad flag exits 2 with the usage", async () => {
  const r = await output(["--role", "trader"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown role "trader"/);
  assert.match(r.stderr, /Usage:/);
});

Deno.test("invalid configuration exits 2, lists every problem by key path, starts nothing", async () => {
  const dir = await Deno.makeTempDir({ dir: `${ROOT}/data`.replace(/\/$/, "") }).catch(async () => {
    await Deno.mkdir(`${ROOT}/data`, { recursive: true });
    return Deno.makeTempDir({ dir: `${ROOT}/data` });
  });
  try {
    await Deno.writeTextFile(
      `${dir}/config.json`,
      JSON.stringify({ port: -1, intervals: ["2m"], plugins: { rsi: { params: { period: 0 } } } }),
    );
    const r = await output(["--config", `${dir}/config.json`], { HISTORICAL_CANDLE_COUNT: "x" });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /invalid configuration/);
    assert.match(r.stderr, /^\s+port: /m);
    assert.match(r.stderr, /^\s+intervals\.0: /m);
    assert.match(r.stderr, /HISTORICAL_CANDLE_COUNT/);
    assert.doesNotMatch(r.stderr, /api listening/);

    // Plugin parameters are validated by the plugin's own schema, with the key path.
    await Deno.writeTextFile(
      `${dir}/config.json`,
      JSON.stringify({ plugins: { rsi: { params: { period: 0 } }, nosuch: { enabled: false } } }),
    );
    const p = await output(["--config", `${dir}/config.json`]);
    assert.equal(p.code, 2, p.stderr);
    assert.match(p.stderr, /plugins\.rsi\.params\.period: /);
    assert.match(p.stderr, /plugins\.nosuch: no plugin has this id/);

    // A symbol's strategy must exist and compile before anything starts.
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ strategies: { BTC: "nope" } }));
    const st = await output(["--config", `${dir}/config.json`], { STORE: "memory" });
    assert.equal(st.code, 2, st.stderr);
    assert.match(st.stderr, /invalid strategy "nope"/);
    assert.doesNotMatch(st.stderr, /api listening/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a broken plugin stops start-up with exit 2 naming the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-bad-plugins-", dir: "/tmp" });
  try {
    await Deno.mkdir(`${dir}/indicators`);
    await Deno.writeTextFile(`${dir}/indicators/broken.ts`, "export default {{{");
    // main.ts reads plugins with the start task's read permission (the project folder), so
    // the extra folder has to be inside it: copy into ./data for the run.
    const local = await Deno.makeTempDir({ dir: `${ROOT}/data` });
    try {
      await Deno.mkdir(`${local}/indicators`);
      await Deno.copyFile(`${dir}/indicators/broken.ts`, `${local}/indicators/broken.ts`);
      const r = await output(["--plugins", local], { STORE: "memory" });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /plugin discovery failed/);
      assert.match(r.stderr, /indicators\/broken\.ts: failed to import/);
    } finally {
      await Deno.remove(local, { recursive: true });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("start on the embedded default answers /health within 5 s and stops on SIGTERM", async () => {
  await Deno.mkdir(`${ROOT}/data`, { recursive: true });
  const kv = `./data/health-test-${crypto.randomUUID().slice(0, 8)}.kv`;
  const child = run([], {
    PORT: "0",
    KV_PATH: kv,
    // Hermetic: no external server; the provider retries in the background.
    HYPERLIQUID_API_URL: "http://127.0.0.1:9",
    HYPERLIQUID_WS_URL: "ws://127.0.0.1:9/ws",
  }).spawn();
  const started = Date.now();
  try {
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    let url: string | undefined;
    while (!url && Date.now() - started < 5000) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      url = buf.match(/"api listening","url":"([^"]+)"/)?.[1];
    }
    assert.ok(url, `no "api listening" within 5 s:\n${buf}`);
    const res = await fetch(`${url}/health`, {
      signal: AbortSignal.timeout(5000 - (Date.now() - started)),
    });
    const body = await res.json();
    assert.ok(Date.now() - started < 5000, "health answered within 5 s");
    assert.equal(body.service, "perptrix");
    assert.equal(typeof body.uptime_seconds, "number");
    assert.equal(body.checks.store.ok, true, JSON.stringify(body));
    child.kill("SIGTERM");
    const drain = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
      }
    })();
    const status = await child.status;
    await drain;
    assert.equal(status.code, 0, buf);
    assert.match(buf, /"msg":"stopped"/);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    for (const suffix of ["", "-shm", "-wal"]) {
      await Deno.remove(`${ROOT}/${kv}${suffix}`).catch(() => {});
    }
  }
});

/** Writes `config` to a temporary file inside ./data (main.ts may read the project folder). */
async function tempConfig(config: unknown): Promise<[string, () => Promise<void>]> {
  await Deno.mkdir(`${ROOT}/data`, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: `${ROOT}/data` });
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  return [`${dir}/config.json`, () => Deno.remove(dir, { recursive: true })];
}

/** Runs main.ts; kills it after `ms` (a process that never exits is a failure, not a hang). */
async function outputWithin(args: string[], env: Record<string, string>, ms: number) {
  const child = run(args, env).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const o = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: o.code, stderr: dec.decode(o.stderr) };
}

const HERMETIC = {
  HYPERLIQUID_API_URL: "http://127.0.0.1:9",
  HYPERLIQUID_WS_URL: "ws://127.0.0.1:9/ws",
  PORT: "0",
};

Deno.test("invalid store or provider options exit 2 naming the key path, never a validation dump", async () => {
  const [kv, rmKv] = await tempConfig({ plugins: { kv: { options: { bogus: 1 } } } });
  const [hl, rmHl] = await tempConfig({
    plugins: { hyperliquid: { options: { pingIntervalMs: -5 } } },
  });
  try {
    const k = await outputWithin(["--config", kv], HERMETIC, 20_000);
    assert.equal(k.code, 2, k.stderr);
    assert.match(k.stderr, /plugins\.kv\.options\.bogus: unknown option/);
    assert.doesNotMatch(k.stderr, /"code"|fatal|listening/);
    const [mem, rmMem] = await tempConfig({ plugins: { memory: { options: { path: "x" } } } });
    try {
      const m = await outputWithin(["--config", mem], { ...HERMETIC, STORE: "memory" }, 20_000);
      assert.equal(m.code, 2, m.stderr);
      assert.match(m.stderr, /plugins\.memory\.options\.path: unknown option/);
    } finally {
      await rmMem();
    }
    const h = await outputWithin(["--config", hl], { ...HERMETIC, STORE: "memory" }, 20_000);
    assert.equal(h.code, 2, h.stderr);
    assert.match(h.stderr, /plugins\.hyperliquid\.options\.pingIntervalMs: /);
    assert.doesNotMatch(h.stderr, /fatal|listening/);
  } finally {
    await rmKv();
    await rmHl();
  }
});

Deno.test("--role ingest with bad provider options exits 2 instead of taking the lock and failing forever", async () => {
  const prefix = `perptrix-test-${crypto.randomUUID().slice(0, 8)}`;
  const [cfg, rm] = await tempConfig({
    queue: { prefix, ingest_lock_ttl_ms: 3000 },
    plugins: { hyperliquid: { options: { pingIntervalMs: -5 } } },
  });
  try {
    const r = await outputWithin(["--role", "ingest", "--config", cfg], {
      ...HERMETIC,
      STORE: "memory",
      REDIS_URL: "redis://127.0.0.1:6379",
    }, 15_000);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /plugins\.hyperliquid\.options\.pingIntervalMs: /);
    assert.doesNotMatch(r.stderr, /ingest lock acquired/);
  } finally {
    await rm();
    const redis = new Redis("redis://127.0.0.1:6379");
    const keys = (await redis.scan(0, "MATCH", `${prefix}:*`, "COUNT", 1000))[1];
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

Deno.test("SIGTERM during start-up (Redis not answering) stops what started and exits 0", async () => {
  // Port 1 refuses connections: start-up waits for the queue's Redis (up to 5 s) when signalled.
  const proc = RoleProcess.spawn("starting", ["--role", "all"], {
    ...HERMETIC,
    STORE: "memory",
    REDIS_URL: "redis://127.0.0.1:1",
    LOG_LEVEL: "info",
  });
  try {
    await proc.waitForLog(/redis unavailable/, 20_000);
    const t0 = Date.now();
    const status = await proc.stop(15_000);
    assert.equal(status.code, 0, proc.log);
    assert.match(proc.log, /"msg":"stopping"/);
    assert.match(proc.log, /"msg":"stopped"/);
    assert.doesNotMatch(proc.log, /listening/);
    assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
  } finally {
    proc.kill("SIGKILL");
    await proc.child.status;
  }
});

Deno.test("the README's example indicator, dropped into a plugins folder, is registered and scored", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const code = readme.match(/```ts\n(\/\/ plugins\/indicators\/roc\.ts[\s\S]*?)```/)?.[1];
  assert.ok(code, "README has the roc.ts example");
  const dir = await Deno.makeTempDir({ prefix: "perptrix-dropin-" });
  try {
    await Deno.mkdir(`${dir}/indicators`);
    await Deno.writeTextFile(`${dir}/indicators/roc.ts`, code);
    const registry = await discover({
      extraRoots: [{ kind: "indicator", dir: `${dir}/indicators` }],
    });
    assert.ok(registry.indicators.has("roc"));
    const config = buildConfig({ symbols: ["BTC"], intervals: ["1h"] });
    const ev = createEvaluator(registry, config);
    const candles = loadCandles(BTC_1H).slice(0, 2000);
    const states = new Set<string>();
    let scored = 0;
    for (const c of candles) {
      const sig = ev.update("BTC", "1h", c);
      if (!sig) continue;
      const momentum = sig.categories.find((k) => k.id === "momentum")!;
      const roc = momentum.contributions.find((x) => x.id === "roc");
      assert.ok(roc, "roc contributes to momentum");
      states.add(roc.state);
      if (roc.score !== 0) scored++;
      // The category's raw score is the sum of its contributions, roc included.
      assert.equal(momentum.raw, momentum.contributions.reduce((a, x) => a + x.score, 0));
    }
    assert.deepEqual([...states].sort(), ["Neutral", "StrongDown", "StrongUp"]);
    assert.ok(scored > 100, `roc scored on ${scored} candles`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
