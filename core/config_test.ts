import assert from "node:assert/strict";
import { buildConfig, ConfigError, ConfigSchema, loadConfig } from "./config.ts";

const env = (vars: Record<string, string>) => (n: string) => vars[n];

Deno.test("defaults: an empty file gives the documented defaults", () => {
  const c = buildConfig({});
  assert.equal(c.store, "kv");
  assert.equal(c.provider, "hyperliquid");
  assert.deepEqual(c.symbols, ["BTC", "ETH"]);
  assert.deepEqual(c.intervals, ["1m", "5m", "15m", "1h"]);
  assert.equal(c.port, 8080);
  assert.equal(c.historical_candle_count, 200);
  assert.equal(c.perptrix_env, "production");
});

Deno.test("config.example.json lists every key with its default", async () => {
  const example = JSON.parse(
    await Deno.readTextFile(new URL("../config.example.json", import.meta.url)),
  );
  const defaults = ConfigSchema.parse({});
  for (const key of Object.keys(defaults)) {
    assert.ok(key in example, `config.example.json lacks "${key}"`);
    if (key !== "plugins") {
      assert.deepEqual(example[key], (defaults as Record<string, unknown>)[key], key);
    }
  }
  // and it is itself a valid configuration
  buildConfig(example);
});

Deno.test("environment variables override the file, with the original names", () => {
  const c = buildConfig(
    { port: 9000, symbols: ["SOL"] },
    env({
      PORT: "9100",
      SYMBOLS: " BTC, ETH ,HYPE",
      INTERVALS: "1m,1h",
      STORE: "memory",
      PERPTRIX_ENV: "sandbox",
      HISTORICAL_CANDLE_COUNT: "500",
      EVAL_INTERVAL_SECONDS: "30",
      WORKER_CONCURRENCY: "8",
      REDIS_URL: "redis://127.0.0.1:6379",
      QUESTDB_CONFIG: "http::addr=db:9000;protocol_version=1;",
    }),
  );
  assert.equal(c.port, 9100);
  assert.deepEqual(c.symbols, ["BTC", "ETH", "HYPE"]);
  assert.deepEqual(c.intervals, ["1m", "1h"]);
  assert.equal(c.store, "memory");
  assert.equal(c.perptrix_env, "sandbox");
  assert.equal(c.historical_candle_count, 500);
  assert.equal(c.eval_interval_seconds, 30);
  assert.equal(c.worker_concurrency, 8);
  assert.equal(c.redis_url, "redis://127.0.0.1:6379");
  assert.equal(c.questdb_config, "http::addr=db:9000;protocol_version=1;");
});

Deno.test("invalid configuration lists every problem with its key path", () => {
  let err: unknown;
  try {
    buildConfig(
      { port: 70000, intervals: ["1m", "7m"], symbols: [], http: { max_limit: 0 }, bogus: 1 },
      env({ HISTORICAL_CANDLE_COUNT: "lots" }),
    );
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  const text = err.problems.join("\n");
  assert.match(text, /^port: /m);
  assert.match(text, /^intervals\.1: /m);
  assert.match(text, /^symbols: /m);
  assert.match(text, /^http\.max_limit: /m);
  assert.match(text, /bogus/);
  assert.match(
    text,
    /^historical_candle_count \(env HISTORICAL_CANDLE_COUNT\): "lots" is not an integer/m,
  );
  assert.ok(err.problems.length >= 6, text);
});

Deno.test("a config file that is not JSON or not an object is a clear error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, "{ port: 1 ");
    await assert.rejects(() => loadConfig(`${dir}/bad.json`, () => undefined), /not valid JSON/);
    await Deno.writeTextFile(`${dir}/arr.json`, "[1]");
    await assert.rejects(() => loadConfig(`${dir}/arr.json`, () => undefined), /JSON object/);
    await assert.rejects(
      () => loadConfig(`${dir}/missing.json`, () => undefined),
      /cannot be read/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join("\n");
    throw e;
  }
  throw new Error("expected a ConfigError");
}

/** Schedules Deno.cron accepts and refuses (checked against Deno.cron itself below). */
const CRON_OK = [
  "* * * * *",
  "*/5 * * * *",
  "0-59/15 * * * *",
  "5/10 * * * *",
  "59-0 * * * *",
  "1,2-5,*/3 * * * *",
  "00 00 * * *",
  "0  0\t* * *",
  "0 */23 * * *",
  "0 0 1-31/2 * *",
  "0 0 */30 * *",
  "0 0 L * *",
  "0 0 L-3 * *",
  "0 0 LW * *",
  "0 0 15W * *",
  "0 0 L-3W * *",
  "0 0 * JAN *",
  "0 0 * jan-mar *",
  "0 0 * FEB-DEC/2 *",
  "0 0 * */11 *",
  "0 0 * * MON",
  "0 0 * * Mon-Fri",
  "0 0 * * 1-7",
  "0 0 * * SAT-SUN",
  "0 0 * * */6",
  "0 0 * * 5L",
  "0 0 * * MONL",
  "0 0 * * 1#5",
  "0 0 * * Mon#2",
  "59 23 31 12 7",
];
const CRON_BAD = [
  "99 * * * *",
  "60 * * * *",
  "-1 * * * *",
  "000 * * * *",
  "*/0 * * * *",
  "*/60 * * * *",
  "5/60 * * * *",
  "0 24 * * *",
  "0 */24 * * *",
  "0 0 0 * *",
  "0 0 32 * *",
  "0 0 */31 * *",
  "0 0 * 0 *",
  "0 0 * 13 *",
  "0 0 * */12 *",
  "0 0 * FEBRUARY *",
  "0 0 * * 0",
  "0 0 * * 8",
  "0 0 * * 0-7",
  "0 0 * * */7",
  "0 0 * * MONDAY",
  "0 0 ? * *",
  "0 0 * * ?",
  "0 0 L-0 * *",
  "0 0 L-31 * *",
  "0 0 0W * *",
  "0 0 32W * *",
  "0 0 l * *",
  "0 0 L,5 * *",
  "0 0 W * *",
  "0 0 * * 0L",
  "0 0 * * 1#0",
  "0 0 * * 1#6",
  "0 0 * * L#2",
  "0 0 * * 5L,3",
  "1-2-3 * * * *",
  "1/2/3 * * * *",
  "*-5 * * * *",
  "5- * * * *",
  ",1 * * * *",
  "1,,2 * * * *",
  "0 0 * * * *",
  "0 0 * *",
  "@hourly",
];

Deno.test("eval_cron: a schedule Deno.cron would refuse is a ConfigError naming EVAL_CRON", () => {
  const fromEnv = problemsOf(() => buildConfig({}, env({ EVAL_CRON: "99 * * * *" })));
  assert.match(fromEnv, /^eval_cron \(env EVAL_CRON\): .*minute "99": 99 is out of range 0-59/m);
  const fromFile = problemsOf(() => buildConfig({ eval_cron: "0 0 * * 0" }));
  assert.match(fromFile, /^eval_cron: .*day of week "0": 0 is out of range 1-7/m);
  for (const expr of CRON_BAD) {
    assert.match(problemsOf(() => buildConfig({ eval_cron: expr })), /^eval_cron: /m, expr);
  }
  for (const expr of CRON_OK) assert.equal(buildConfig({ eval_cron: expr }).eval_cron, expr);
  assert.equal(buildConfig({}, env({ EVAL_CRON: " */5 * * * * " })).eval_cron, "*/5 * * * *");
  assert.equal(buildConfig({ eval_cron: "" }).eval_cron, "");
});

Deno.test("eval_cron: the validator agrees with Deno.cron itself", async (t) => {
  const cron = (Deno as unknown as { cron?: typeof Deno.cron }).cron;
  if (typeof cron !== "function") {
    console.log("skipped: Deno.cron needs --unstable-cron");
    return;
  }
  let n = 0;
  for (const expr of [...CRON_OK, ...CRON_BAD]) {
    await t.step(expr, async () => {
      const ac = new AbortController();
      let denoOk = true;
      try {
        const p = cron(
          `perptrix-config-test-${Deno.pid}-${++n}`,
          expr,
          { signal: ac.signal },
          () => {},
        );
        ac.abort();
        await p.catch(() => {});
      } catch {
        denoOk = false;
      }
      let ours = true;
      try {
        buildConfig({ eval_cron: expr });
      } catch {
        ours = false;
      }
      assert.equal(
        ours,
        denoOk,
        `${JSON.stringify(expr)}: Deno.cron ${denoOk ? "accepts" : "refuses"}`,
      );
    });
  }
});

Deno.test("redis_url: an unusable URL is a ConfigError naming REDIS_URL, credentials redacted", () => {
  const text = problemsOf(() =>
    buildConfig({}, env({ REDIS_URL: "redis://:s3cret@cache.internal:badport/0" }))
  );
  assert.match(
    text,
    /^redis_url \(env REDIS_URL\): "redis:\/\/\*\*\*:\*\*\*@cache\.internal:badport\/0" is not a URL/m,
  );
  assert.ok(!text.includes("s3cret"), text);
  assert.match(
    problemsOf(() => buildConfig({ redis_url: "http://h:6379" })),
    /^redis_url: .*redis:\/\//m,
  );
  assert.match(
    problemsOf(() => buildConfig({ redis_url: "redis://h:6379/db" })),
    /database number/,
  );
  for (
    const ok of [
      "",
      "redis://127.0.0.1:6379",
      "rediss://u:p@h:6380/2",
      "redis://:p@h/0",
      " redis://h ",
    ]
  ) {
    assert.equal(buildConfig({ redis_url: ok }).redis_url, ok);
  }
});
