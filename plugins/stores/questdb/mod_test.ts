import assert from "node:assert/strict";
import { FakeQuestDb } from "../../../tests/fakes/questdb.ts";
import { candle, recordingLogger, signal } from "../../../tests/store_contract.ts";
import { registry } from "../../../core/metrics.ts";
import { QuestDbError, QuestDbStore, StoreOverflowError } from "./mod.ts";
import { parseQuestDbConfig, QuestDbConfigError } from "./config.ts";

async function metric(name: string): Promise<number> {
  const m = registry.getSingleMetric(name);
  const v = (await m?.get())?.values.find((x) => x.labels.store === "questdb");
  return v?.value ?? 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `p`, or a rejection once `ms` have passed, so a test of a bound fails fast when it is broken. */
async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` and returns how long it took to settle, asserting it rejects with `expected`. */
async function timeRejection(
  fn: () => Promise<unknown>,
  expected: new (...a: never[]) => Error,
  what: string,
): Promise<number> {
  const t = Date.now();
  await assert.rejects(bounded(fn(), 3000, what), expected, what);
  return Date.now() - t;
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("questdb: tables are created partitioned by day, WAL, with dedup keys", async () => {
  const fake = FakeQuestDb.start();
  const store = new QuestDbStore(fake.config(), {}, recordingLogger());
  try {
    await store.start();
    const c = fake.tables.get("candles")!;
    assert.equal(c.timestamp, "ts");
    assert.equal(c.partitionBy, "DAY");
    assert.equal(c.wal, true);
    assert.deepEqual(c.dedupKeys, ["ts", "symbol", "interval"]);
    assert.deepEqual(
      c.columns.map((x) => `${x.name} ${x.type}`),
      [
        "symbol SYMBOL",
        "interval SYMBOL",
        "open DOUBLE",
        "high DOUBLE",
        "low DOUBLE",
        "close DOUBLE",
        "volume DOUBLE",
        "trades LONG",
        "funding_rate DOUBLE",
        "open_interest DOUBLE",
        "ts TIMESTAMP",
      ],
    );
    assert.deepEqual(fake.tables.get("signals")!.dedupKeys, [
      "ts",
      "symbol",
      "interval",
      "strategy",
    ]);
    assert.equal(fake.tables.get("signals")!.partitionBy, "DAY");
  } finally {
    await store.stop();
    await fake.stop();
  }
});

Deno.test("questdb: while unreachable, writes wait in the buffer and land once it is back", async () => {
  const fake = FakeQuestDb.start();
  await fake.stop();
  const log = recordingLogger();
  const store = new QuestDbStore(fake.config(), { flushIntervalMs: 20 }, log);
  try {
    await store.start(); // does not throw: the service keeps running
    assert.equal((await store.health()).ok, false);
    const rows = Array.from({ length: 10 }, (_, i) => candle(i));
    await store.upsertCandles("BTC", "1m", rows);
    await store.upsertSignals([signal()]);
    assert.equal(store.backlog, 11);
    assert.equal(await metric("perptrix_store_write_backlog"), 11);
    await assert.rejects(store.flush(), /11 rows buffered for retry/);
    assert.ok(log.lines.some((l) => l.startsWith("warn questdb write failed")));
    fake.restart();
    await until(() => store.backlog === 0, "the backlog to drain");
    assert.equal(fake.rows("candles").length, 10);
    assert.equal(fake.rows("signals").length, 1);
    assert.deepEqual(await store.candles("BTC", "1m"), rows);
    assert.equal((await store.health()).ok, true);
    assert.equal(await metric("perptrix_store_write_backlog"), 0);
  } finally {
    await store.stop();
    await fake.stop();
  }
});

Deno.test("questdb: a batch that overflows the buffer is rejected and counted, never silently lost", async () => {
  const fake = FakeQuestDb.start();
  const store = new QuestDbStore(
    fake.config(),
    { bufferRows: 5, flushIntervalMs: 60_000 },
    recordingLogger(),
  );
  try {
    await store.start();
    await fake.stop();
    const before = await metric("perptrix_store_dropped_total");
    await store.upsertCandles("BTC", "1m", [candle(0), candle(1), candle(2)]);
    await assert.rejects(
      store.upsertCandles("BTC", "1m", [candle(3), candle(4), candle(5)]),
      (e) =>
        e instanceof StoreOverflowError &&
        /3 rows pending, limit 5\); batch of 3 rows/.test(e.message),
    );
    assert.equal(await metric("perptrix_store_dropped_total"), before + 3);
    fake.restart();
    await store.flush();
    assert.deepEqual(await store.candles("BTC", "1m"), [candle(0), candle(1), candle(2)]);
  } finally {
    await store.stop();
    await fake.stop();
  }
});

Deno.test("questdb: writes are batched per request", async () => {
  const fake = FakeQuestDb.start();
  const store = new QuestDbStore(
    fake.config(),
    { batchRows: 1000, flushIntervalMs: 60_000 },
    recordingLogger(),
  );
  try {
    await store.start();
    const before = fake.writeRequests;
    await store.upsertCandles("BTC", "1m", Array.from({ length: 2500 }, (_, i) => candle(i)));
    await store.flush();
    assert.equal(fake.writeRequests - before, 3);
    assert.equal(fake.rows("candles").length, 2500);
  } finally {
    await store.stop();
    await fake.stop();
  }
});

Deno.test("questdb: rows QuestDB refuses (HTTP 400) are isolated and dropped one by one, the rest land", async () => {
  const fake = FakeQuestDb.start();
  // An existing table whose `trades` column is text: rows carrying trades are cast errors.
  const ddl = 'CREATE TABLE candles (symbol SYMBOL, "interval" SYMBOL, open DOUBLE, high DOUBLE, ' +
    "low DOUBLE, close DOUBLE, volume DOUBLE, trades VARCHAR, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL " +
    'DEDUP UPSERT KEYS(ts, symbol, "interval")';
  const res = await fetch(`http://127.0.0.1:${fake.port}/exec?query=${encodeURIComponent(ddl)}`);
  assert.equal(res.status, 200, await res.text());
  const log = recordingLogger();
  const store = new QuestDbStore(fake.config(), { flushIntervalMs: 60_000 }, log);
  try {
    await store.start();
    const before = await metric("perptrix_store_dropped_total");
    const rows = Array.from(
      { length: 8 },
      (_, i) => (i === 2 || i === 5 ? { ...candle(i), trades: 7 } : candle(i)),
    );
    await store.upsertCandles("BTC", "1m", rows);
    await store.flush();
    assert.equal(fake.rows("candles").length, 6);
    assert.equal(await metric("perptrix_store_dropped_total"), before + 2);
    const errors = log.lines.filter((l) => l.startsWith("error questdb rejected a row"));
    assert.equal(errors.length, 2);
    assert.match(errors[0], new RegExp(`BTC 1m candle ${candle(2).time}`));
  } finally {
    await store.stop();
    await fake.stop();
  }
});

Deno.test("questdb: stop() writes what is buffered", async () => {
  const fake = FakeQuestDb.start();
  const store = new QuestDbStore(fake.config(), { flushIntervalMs: 60_000 }, recordingLogger());
  try {
    await store.start();
    await store.upsertCandles("BTC", "1m", [candle(0), candle(1)]);
    assert.equal(fake.rows("candles").length, 0);
    await store.stop();
    assert.equal(fake.rows("candles").length, 2);
  } finally {
    await store.stop();
    await fake.stop();
  }
});

Deno.test("questdb: a server error (500) is retried by the client's transport", async () => {
  const fake = FakeQuestDb.start();
  const store = new QuestDbStore(fake.config(), { flushIntervalMs: 60_000 }, recordingLogger());
  try {
    await store.start();
    fake.failWrites(2, 500);
    await store.upsertCandles("BTC", "1m", [candle(0)]);
    await store.flush();
    assert.equal(fake.rows("candles").length, 1);
  } finally {
    await store.stop();
    await fake.stop();
  }
});

Deno.test("questdb: an old server without protocol negotiation gets v1 text rows, values exact", async () => {
  const fake = FakeQuestDb.start({ protocolVersions: [] });
  const store = new QuestDbStore(fake.config(), {}, recordingLogger());
  try {
    await store.start();
    const c = { ...candle(0), open: 0.1 + 0.2, high: 1e21, low: 1e-7, close: 0.5, volume: 1 / 3 };
    await store.upsertCandles("BTC", "1m", [c]);
    await store.flush();
    assert.deepEqual(await store.candles("BTC", "1m"), [c]);
  } finally {
    await store.stop();
    await fake.stop();
  }
});

Deno.test("questdb: token auth is sent on writes and reads; a wrong token fails without echoing it", async () => {
  const fake = FakeQuestDb.start({ auth: { token: "right-token" } });
  const good = new QuestDbStore(fake.config("token=right-token;"), {}, recordingLogger());
  const log = recordingLogger();
  const bad = new QuestDbStore(fake.config("token=wrong-token;"), {}, log);
  try {
    await good.start();
    await good.upsertCandles("BTC", "1m", [candle(0)]);
    await good.flush();
    assert.deepEqual(await good.candles("BTC", "1m"), [candle(0)]);
    await bad.start();
    await assert.rejects(bad.candles("BTC", "1m"), (e) => !String(e).includes("wrong-token"));
    assert.equal((await bad.health()).ok, false);
    assert.ok(!log.lines.join("\n").includes("wrong-token"));
  } finally {
    await good.stop();
    await bad.stop();
    await fake.stop();
  }
});

Deno.test("questdb config: http/https only, credentials never echoed", () => {
  assert.throws(() => parseQuestDbConfig("tcp::addr=127.0.0.1:9009;"), QuestDbConfigError);
  assert.throws(
    () => parseQuestDbConfig("http::addr=127.0.0.1:9000;password=s3cret;bogus=1;"),
    (e) => e instanceof QuestDbConfigError && !e.message.includes("s3cret"),
  );
  const ep = parseQuestDbConfig("https::addr=db.example:9443;username=admin;password=quest;");
  assert.equal(ep.baseUrl, "https://db.example:9443");
  assert.equal(ep.authorization, `Basic ${btoa("admin:quest")}`);
  assert.equal(parseQuestDbConfig("http::addr=localhost;").baseUrl, "http://localhost:9000");
});

Deno.test("questdb: a server that never answers does not pile up drains; flush, strategy writes and stop stay bounded", async () => {
  const fake = FakeQuestDb.start();
  fake.hang(); // accepts connections, never answers: every /exec waits its full timeout
  const opts = { flushIntervalMs: 10, requestTimeoutMs: 200, shutdownTimeoutMs: 0 };
  const store = new QuestDbStore(fake.config(), opts, recordingLogger());
  try {
    await store.start();
    await store.upsertCandles("BTC", "1m", [candle(0)]);
    // 150 timer ticks: queued one behind the other they would be 30 s of waiting.
    await sleep(1500);
    const doc = { id: "s", config: {}, created_at: 1, updated_at: 1 };
    assert.ok((await timeRejection(() => store.flush(), QuestDbError, "flush")) < 1000);
    assert.ok((await timeRejection(() => store.putStrategy(doc), QuestDbError, "put")) < 1000);
    const t = Date.now();
    await bounded(store.stop(), 3000, "stop");
    assert.ok(Date.now() - t < 500, `stop took ${Date.now() - t} ms with shutdownTimeoutMs 0`);
  } finally {
    await bounded(store.stop(), 3000, "stop").catch(() => {});
    await fake.stop();
  }
});

Deno.test("questdb: writes to a server that hangs after start are bounded too, and land once it answers", async () => {
  const fake = FakeQuestDb.start();
  const store = new QuestDbStore(
    fake.config("request_timeout=200;retry_timeout=0;"),
    { flushIntervalMs: 10, requestTimeoutMs: 200, bufferRows: 5, shutdownTimeoutMs: 1000 },
    recordingLogger(),
  );
  try {
    await store.start();
    fake.hang();
    await store.upsertCandles("BTC", "1m", [candle(0), candle(1)]);
    await sleep(1500);
    const doc = { id: "s", config: {}, created_at: 1, updated_at: 1 };
    assert.ok((await timeRejection(() => store.flush(), QuestDbError, "flush")) < 1000);
    assert.ok((await timeRejection(() => store.putStrategy(doc), QuestDbError, "put")) < 1000);
    const more = [2, 3, 4, 5].map((i) => candle(i));
    const overflow = () => store.upsertCandles("BTC", "1m", more);
    assert.ok((await timeRejection(overflow, StoreOverflowError, "overflow")) < 1000);
    fake.unhang();
    await until(() => store.backlog === 0, "the backlog to drain");
    await store.flush();
    assert.deepEqual(await store.candles("BTC", "1m"), [candle(0), candle(1)]);
  } finally {
    await bounded(store.stop(), 3000, "stop").catch(() => {});
    await fake.stop();
  }
});

Deno.test("questdb config: a credential holding a single ';' is never echoed, even in part", () => {
  const cases: [string, string[]][] = [
    ["http::addr=db:9000;username=admin;password=Sx9q;Zk7w;", ["Sx9q", "Zk7w"]],
    ["http::addr=db:9000;username=admin;password=ab;Hq3vX=1;", ["Hq3vX"]],
    ["http::addr=db:9000;username=admin;password=pa\tWq8z;", ["Wq8z"]],
    ["http::addr=db:9000;token=Tk4r;Vb2n;", ["Tk4r", "Vb2n"]],
    ["http::addr=db:9000;token=Tk4r;Vb2n=;", ["Tk4r", "Vb2n"]],
  ];
  for (const [conf, secrets] of cases) {
    let message = "";
    assert.throws(() => parseQuestDbConfig(conf), (e) => {
      message = (e as Error).message;
      return e instanceof QuestDbConfigError;
    });
    for (const secret of secrets) assert.ok(!message.includes(secret), `${conf}: ${message}`);
    assert.match(message, /setting [34]/, message);
  }
  assert.match(
    (() => {
      try {
        parseQuestDbConfig("http::addr=db:9000;password=Sx9q;Zk7w;");
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })(),
    /setting 3 \(the one after 'password='\) has no '='.*';;'/,
  );
  // A typo far from any credential is still named.
  assert.throws(() => parseQuestDbConfig("http::addr=db:9000;bogus=1;"), /unknown key 'bogus'/);
  // ';;' is the escape for a ';' inside a value.
  const ep = parseQuestDbConfig("http::addr=db:9000;username=admin;password=ok;;Mm5p;");
  assert.equal(ep.authorization, `Basic ${btoa("admin:ok;Mm5p")}`);
});

const TESTDATA = new URL("./testdata/", import.meta.url);

Deno.test("questdb: over https with a private CA (tls_ca) it becomes ready, writes and reads", async () => {
  const tls = {
    cert: await Deno.readTextFile(new URL("server.pem", TESTDATA)),
    key: await Deno.readTextFile(new URL("server.key", TESTDATA)),
  };
  const fake = FakeQuestDb.start({ tls });
  const caPath = new URL("ca.pem", TESTDATA).pathname;
  const store = new QuestDbStore(fake.config(`tls_ca=${caPath};`), {}, recordingLogger());
  const log = recordingLogger();
  const untrusting = new QuestDbStore(fake.config(), { requestTimeoutMs: 1000 }, log);
  try {
    await store.start();
    assert.deepEqual(await store.health(), { ok: true, detail: "backlog 0 rows", required: true });
    const rows = [candle(0), candle(1)];
    await store.upsertCandles("BTC", "1m", rows);
    await store.flush();
    assert.deepEqual(await store.candles("BTC", "1m"), rows);
    // Without the CA the reason is in the log, not just "fetch failed".
    await untrusting.start();
    assert.equal((await untrusting.health()).ok, false);
    assert.match(log.lines.join("\n"), /questdb unreachable: .*certificate/i);
    await assert.rejects(
      new QuestDbStore(fake.config("tls_verify=unsafe_off;"), {}, recordingLogger()).start(),
      (e) =>
        e instanceof QuestDbConfigError && /unsafe_off is not supported.*tls_ca/.test(e.message),
    );
    await assert.rejects(
      new QuestDbStore(fake.config("tls_ca=/nonexistent/ca.pem;"), {}, recordingLogger()).start(),
      (e) =>
        e instanceof QuestDbConfigError &&
        /tls_ca: cannot read \/nonexistent\/ca.pem.*read permission/.test(e.message),
    );
  } finally {
    await store.stop();
    await untrusting.stop();
    await fake.stop();
  }
});
