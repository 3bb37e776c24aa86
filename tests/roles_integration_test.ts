/**
 * Split roles as separate processes: `main.ts --role ingest`, `--role api` and two
 * `--role worker`, coordinating only through the real Redis (a queue prefix unique to this run,
 * removed afterwards) and a shared store (the QuestDB fake, served from this test process), fed by
 * the fake Hyperliquid on a 60× clock.
 *
 * The fake's `signals` table is created WITHOUT dedup keys before the store starts, so every
 * signal write is a row: a candle evaluated twice would show up as two rows instead of being
 * upserted away. It shows that:
 * - every closed candle gets one evaluation job that completes, and after the warm-up exactly
 *   one signal row, across the workers; each worker's own evaluation count equals the jobs it
 *   completed;
 * - a worker SIGKILLed while it holds jobs loses none: BullMQ's stalled-job check hands them to
 *   the other worker (short `queue.lock_ms`), and only those jobs may have written twice;
 * - the API process serves the results, and the open candle ingest publishes through Redis;
 * - every process fronts the store with the shared Redis cache: each stored signal is announced on
 *   `<prefix>:signals`, ingest announces the closed candles it stores on `<prefix>:candles`, and
 *   the hot-candle cache holds exactly the store's newest candles.
 */
import assert from "node:assert/strict";
// @ts-types="../plugins/stores/_ioredis.d.ts"
import { Redis } from "ioredis";
import { RedisBus } from "../plugins/stores/_redis_bus.ts";
import { DDL } from "../plugins/stores/questdb/mod.ts";
import { FakeHyperliquid } from "./fakes/hyperliquid.ts";
import { FakeQuestDb } from "./fakes/questdb.ts";
import { getJson, getText, metricSum, REPO_ROOT, RoleProcess } from "./_role_process.ts";
import { virtualClockEnv } from "./_virtual_clock.ts";

const REDIS_URL = "redis://127.0.0.1:6379";
const SPEED = 60;
const HISTORY = 60;
/** The default strategy emits its first signal on the 50th candle of a series. */
const WARMUP = 49;
const SYMBOLS = ["BTC", "ETH"];
const INTERVALS = ["1m", "5m"] as const;

/** A raw Redis command (the project's ioredis typings list only what the stores use). */
function command(redis: Redis, ...args: (string | number)[]): Promise<unknown> {
  return (redis as unknown as { call(...a: (string | number)[]): Promise<unknown> }).call(...args);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

/** Deletes every key under `prefix:` (SCAN, bounded). */
async function cleanRedis(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  for (let guard = 0; guard < 10_000; guard++) {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
    if (cursor === "0") return;
  }
}

Deno.test({
  name:
    "split roles: each closed candle evaluated once across two workers; a SIGKILLed worker loses nothing; the API serves it",
  // Child processes and their sockets outlive single steps by design.
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const prefix = `perptrix-test-${crypto.randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  const questdb = FakeQuestDb.start();
  // The store's own DDL, minus the dedup keys on signals: duplicates must stay visible.
  for (const sql of DDL) {
    const ddl = sql.includes("TABLE IF NOT EXISTS signals")
      ? sql.replace(/ DEDUP UPSERT KEYS\([^)]*\)/, "")
      : sql;
    const r = await fetch(
      `http://127.0.0.1:${questdb.port}/exec?query=${encodeURIComponent(ddl)}`,
    );
    assert.equal(r.status, 200, await r.text());
  }
  assert.equal(questdb.tables.get("signals")!.dedupKeys, null);

  const fake = FakeHyperliquid.start({ shiftToNow: true, speed: SPEED, coins: SYMBOLS });
  await Deno.mkdir(`${REPO_ROOT}/data`, { recursive: true });
  const configPath = `./data/${prefix}.json`;
  await Deno.writeTextFile(
    `${REPO_ROOT}/${configPath}`,
    JSON.stringify({
      queue: {
        prefix,
        lock_ms: 2000,
        backoff_ms: 100,
        attempts: 5,
        ingest_lock_ttl_ms: 3000,
      },
    }),
  );
  const env = {
    REDIS_URL,
    STORE: "questdb",
    QUESTDB_CONFIG: questdb.config(),
    SYMBOLS: SYMBOLS.join(","),
    INTERVALS: INTERVALS.join(","),
    HISTORICAL_CANDLE_COUNT: String(HISTORY),
    WORKER_CONCURRENCY: "2",
    PORT: "0",
    HOSTNAME_BIND: "127.0.0.1",
    LOG_LEVEL: "info",
    HYPERLIQUID_API_URL: fake.apiUrl,
    HYPERLIQUID_WS_URL: fake.wsUrl,
  };
  // Ingest runs on the fake's clock, like the provider tests (its provider settles candles by
  // that clock); the other roles keep real time.
  const spawn = (role: string) =>
    role === "ingest"
      ? RoleProcess.spawn(role, ["--role", role, "--config", configPath], {
        ...env,
        PERPTRIX_TEST_CLOCK: virtualClockEnv(fake.now(), SPEED),
      }, ["tests/_virtual_clock.ts"])
      : RoleProcess.spawn(role, ["--role", role, "--config", configPath], env);
  const procs: RoleProcess[] = [];
  // Everything the processes announce, heard by an outside subscriber.
  const bus = new RedisBus({ url: REDIS_URL, channelPrefix: prefix });
  const heardCandles = new Map<string, number[]>();
  const heardSignals = new Set<string>();
  await bus.onCandle(({ symbol, interval, candle: c }) =>
    heardCandles.set(`${symbol}|${interval}|${c.time}`, [c.open, c.high, c.low, c.close, c.volume])
  );
  await bus.onSignal((s) => heardSignals.add(`${s.symbol}|${s.interval}|${s.time}`));
  const jobKey = (symbol: string, interval: string, time: number) =>
    `${prefix}:evaluations:${encodeURIComponent(symbol)}|${interval}|${time}`;

  try {
    const workerA = spawn("worker");
    const workerB = spawn("worker");
    const api = spawn("api");
    procs.push(workerA, workerB, api);
    const [urlA, urlB, apiUrl] = await Promise.all([workerA.url(), workerB.url(), api.url()]);
    const ingest = spawn("ingest");
    procs.push(ingest);
    await ingest.waitForLog(/"msg":"ingest lock acquired"/, 20_000);

    // Kill worker A while it holds jobs, once it has stored signals of its own (the backfill
    // burst keeps both workers busy).
    const nameA = `worker-${workerA.pid}-`;
    await until("worker A stored signals", 30_000, async () => {
      const m = await getText(`${urlA}/metrics`);
      return metricSum(m, "perptrix_evaluations_total", { result: "ok" }) >= 5 ? true : undefined;
    });
    const heldBy = async (name: string) => {
      const active = await command(
        redis,
        "LRANGE",
        `${prefix}:evaluations:active`,
        0,
        -1,
      ) as string[];
      const held: string[] = [];
      for (const id of active) {
        const pb = await command(redis, "HGET", `${prefix}:evaluations:${id}`, "pb") as
          | string
          | null;
        if (pb?.startsWith(name)) held.push(id);
      }
      return held;
    };
    // Freeze it (SIGSTOP) while it holds jobs, so a job is still held when SIGKILL lands: jobs
    // take milliseconds, and a plain kill after seeing them held can come too late.
    await until("worker A frozen holding a job", 30_000, async () => {
      if ((await heldBy(nameA)).length < 1) return undefined;
      workerA.kill("SIGSTOP");
      if ((await heldBy(nameA)).length >= 1) return true;
      workerA.kill("SIGCONT");
      return undefined;
    });
    workerA.kill("SIGKILL");
    const killed = await workerA.child.status;
    assert.equal(killed.signal, "SIGKILL");
    // What the dead worker still held: only the stalled-job check can hand these on.
    const heldByA = await heldBy(nameA);
    assert.ok(heldByA.length >= 1, "worker A died holding a job");

    // A second worker joins again, so live candles are shared by two workers.
    const workerC = spawn("worker");
    procs.push(workerC);
    const urlC = await workerC.url();

    // Let live candles flow: ten more 1m closes per symbol after the kill.
    const afterKillV = fake.now();
    await until("10 live 1m signals per symbol", 40_000, async () => {
      for (const s of SYMBOLS) {
        const [, body] = await getJson(`${apiUrl}/signals/${s}?interval=1m&limit=20`);
        const live = (body as { signals: { time: number }[] }).signals.filter((x) =>
          x.time >= afterKillV
        );
        if (live.length < 10) return undefined;
      }
      return true;
    });

    // The open candle, published by ingest through Redis (at most every 250 ms real, which is
    // a quarter of a bucket at this speed), is served by the API process after the closed ones.
    const withOpen = await until("the API serves the open candle", 10_000, async () => {
      const [cs, body] = await getJson(
        `${apiUrl}/candles/BTC?interval=1m&limit=5&include_open=true`,
      );
      assert.equal(cs, 200);
      const b = body as { candles: Record<string, unknown>[]; open_included: boolean };
      return b.open_included ? b.candles : undefined;
    });
    const open = withOpen.at(-1)!;
    assert.equal(open.is_open, true);
    assert.ok((open.time as number) > (withOpen.at(-2)!.time as number));

    // Stop ingest, then let the workers finish the queue.
    assert.equal((await ingest.stop()).code, 0, ingest.log);
    await until("queue drained", 20_000, async () => {
      const [w, a, d] = await Promise.all([
        command(redis, "LLEN", `${prefix}:evaluations:wait`) as Promise<number>,
        command(redis, "LLEN", `${prefix}:evaluations:active`) as Promise<number>,
        redis.zcard(`${prefix}:evaluations:delayed`),
      ]);
      return w + a + d === 0 ? true : undefined;
    });
    await sleep(300); // the workers' flush-before-ack has written; the QuestDB fake is in-process

    // Every stored candle has one completed job; signal rows per candle.
    const signalRows = new Map<string, number>();
    for (const r of questdb.rows("signals")) {
      const k = `${r.symbol}|${r.interval}|${(r.ts as number) / 1000}`;
      signalRows.set(k, (signalRows.get(k) ?? 0) + 1);
    }
    const byWorker = new Map<string, number>();
    const recovered: string[] = [];
    let checked = 0;
    for (const symbol of SYMBOLS) {
      for (const interval of INTERVALS) {
        const times = questdb.rows("candles")
          .filter((r) => r.symbol === symbol && r.interval === interval)
          .map((r) => (r.ts as number) / 1000);
        assert.ok(times.length >= HISTORY, `${symbol} ${interval}: ${times.length} candles`);
        for (let i = 0; i < times.length; i++) {
          const key = jobKey(symbol, interval, times[i]);
          const job = await redis.hgetall(key);
          assert.ok(job.finishedOn, `${key} completed: ${JSON.stringify(job)}`);
          assert.equal(job.failedReason ?? "", "", key);
          byWorker.set(job.pb, (byWorker.get(job.pb) ?? 0) + 1);
          const stalled = Number(job.stc ?? 0) > 0;
          if (stalled) recovered.push(key);
          const rows = signalRows.get(`${symbol}|${interval}|${times[i]}`) ?? 0;
          if (i < WARMUP) assert.equal(rows, 0, `${key}: no signal during warm-up`);
          else if (stalled) assert.ok(rows === 1 || rows === 2, `${key}: ${rows} rows`);
          else assert.equal(rows, 1, `${key}: exactly one signal row`);
          checked++;
        }
      }
    }
    // Every job A held when it died was recovered by another worker.
    for (const id of heldByA) {
      const job = await redis.hgetall(`${prefix}:evaluations:${id}`);
      assert.ok(Number(job.stc) >= 1, `${id} was recovered as stalled: ${JSON.stringify(job)}`);
      assert.ok(!job.pb.startsWith(nameA), `${id} finished by a surviving worker`);
    }
    assert.ok(recovered.length >= heldByA.length);

    // Each surviving worker's evaluation count is exactly the jobs it completed.
    for (const [proc, url] of [[workerB, urlB], [workerC, urlC]] as const) {
      const m = await getText(`${url}/metrics`);
      const evaluated = metricSum(m, "perptrix_evaluations_total");
      const name = [...byWorker.keys()].find((n) => n.startsWith(`worker-${proc.pid}-`));
      assert.ok(name, `${proc.name} ${proc.pid} completed jobs`);
      assert.equal(evaluated, byWorker.get(name), `${name}: evaluations = jobs completed`);
      assert.equal(metricSum(m, "perptrix_evaluations_total", { result: "error" }), 0);
    }
    assert.equal([...byWorker.values()].reduce((a, b) => a + b, 0), checked);
    console.log(
      `${checked} candles, jobs completed per worker ${
        JSON.stringify(Object.fromEntries(byWorker))
      }, ` +
        `${heldByA.length} held by the killed worker, ${recovered.length} recovered`,
    );

    // Announcements: every stored signal was announced, nothing else was; every announced
    // candle is a stored one with the same values, and the live closes are among them.
    await sleep(200);
    assert.deepEqual([...heardSignals].sort(), [...signalRows.keys()].sort());
    const storedCandles = new Map(
      questdb.rows("candles").map((r) => [
        `${r.symbol}|${r.interval}|${(r.ts as number) / 1000}`,
        [r.open, r.high, r.low, r.close, r.volume],
      ]),
    );
    for (const [k, v] of heardCandles) assert.deepEqual(v, storedCandles.get(k), k);
    for (const symbol of SYMBOLS) {
      const live = [...heardCandles.keys()].filter((k) => {
        const [s, i, t] = k.split("|");
        return s === symbol && i === "1m" && Number(t) >= afterKillV;
      });
      assert.ok(live.length >= 10, `${symbol}: ${live.length} live closes announced`);
    }
    // The hot-candle cache (warmed by the workers' history reads) is the store's newest candles.
    const cached = await redis.zrange(`${prefix}:cache:candles:BTC:1m`, 0, -1);
    assert.ok(cached.length >= HISTORY, `${cached.length} BTC 1m candles cached`);
    const storedTimes = [...storedCandles.keys()].filter((k) => k.startsWith("BTC|1m|"))
      .map((k) => Number(k.split("|")[2])).sort((a, b) => a - b);
    assert.deepEqual(
      cached.map((j) => (JSON.parse(j) as { time: number }).time),
      storedTimes.slice(-cached.length),
    );

    // The API serves what the workers stored, newest first.
    for (const symbol of SYMBOLS) {
      const [st, body] = await getJson(`${apiUrl}/signals/${symbol}?interval=1m&limit=5000`);
      assert.equal(st, 200);
      const served = (body as { signals: { time: number }[] }).signals.map((s) => s.time);
      const stored = [...signalRows.keys()].filter((k) => k.startsWith(`${symbol}|1m|`))
        .map((k) => Number(k.split("|")[2]));
      assert.deepEqual([...new Set(served)], stored.sort((a, b) => b - a));
    }
    const [ls, latest] = await getJson(`${apiUrl}/signals`);
    assert.equal(ls, 200);
    assert.equal((latest as { signals: unknown[] }).signals.length, SYMBOLS.length * 2);
    const [us, unknown] = await getJson(`${apiUrl}/signals/NOPE?interval=1m`);
    assert.equal(us, 404, JSON.stringify(unknown));

    for (const p of [workerB, workerC, api]) {
      assert.equal((await p.stop()).code, 0, `${p.name}:\n${p.log}`);
    }
  } finally {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.child.status));
    await fake.close();
    await questdb.stop();
    await bus.stop();
    await cleanRedis(redis, prefix).catch(() => {});
    redis.disconnect();
    await Deno.remove(`${REPO_ROOT}/${configPath}`).catch(() => {});
  }
});
