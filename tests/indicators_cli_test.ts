/**
 * End-to-end checks of `deno task indicators` as a subprocess: the output shape the issue fixes,
 * and line-numbered errors. The numbers themselves are proven in indicators_reference_test.ts
 * through the same column function.
 * @module
 */
import assert from "node:assert/strict";
import {
  INDICATOR_COLUMNS,
  indicatorColumns,
  main,
  run as runCli,
  writeColumnsJson,
} from "../cli/indicators.ts";
import { BTC_1H, dataPath, loadCandles } from "./data.ts";

const root = new URL("..", import.meta.url).pathname;

async function run(...args: string[]) {
  const out = await new Deno.Command("deno", {
    args: ["run", `--allow-read=.,../shared,/tmp`, "cli/indicators.ts", ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

async function tempCsv(text: string): Promise<string> {
  const f = await Deno.makeTempFile({ dir: "/tmp", suffix: ".csv" });
  await Deno.writeTextFile(f, text);
  return f;
}

Deno.test("indicators CLI: one JSON object of aligned columns on a real file", async () => {
  const file = dataPath("regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv");
  const rows = (await Deno.readTextFile(file)).trim().split("\n").length - 1;
  const r = await run(file);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(json), [...INDICATOR_COLUMNS]);
  for (const k of INDICATOR_COLUMNS) assert.equal(json[k].length, rows, k);
  const firstRow: Record<string, number> = {
    rsi14: 14,
    macd: 33,
    macd_signal: 33,
    macd_hist: 33,
    ema20: 19,
    ema50: 49,
    bb_upper: 19,
    bb_middle: 19,
    bb_lower: 19,
    atr14: 14,
    obv: 0,
    supertrend: 10,
    supertrend_dir: 10,
  };
  for (const k of INDICATOR_COLUMNS) {
    const col: (number | null)[] = json[k];
    assert.equal(col.findIndex((v) => v !== null), firstRow[k], k);
    assert.ok(col.slice(firstRow[k]).every((v) => typeof v === "number" && Number.isFinite(v)), k);
  }
  assert.ok(json.supertrend_dir.slice(10).every((d: number) => d === 1 || d === -1));
  assert.ok(json.supertrend_dir.includes(1) && json.supertrend_dir.includes(-1));
  for (let i = 33; i < rows; i++) {
    assert.ok(Math.abs(json.macd_hist[i] - (json.macd[i] - json.macd_signal[i])) < 1e-9);
    assert.ok(json.bb_lower[i] <= json.bb_middle[i] && json.bb_middle[i] <= json.bb_upper[i]);
  }
});

Deno.test("indicators CLI: a bad row stops the run with its line number", async () => {
  const header = "time,open,high,low,close,volume\n";
  const cases: [string, RegExp][] = [
    [header + "1,10,11,9,10,5\n2,10,11,9,abc,5\n", /line 3: close "abc" is not a finite number/],
    [header + "1,10,11,9,10,5\n\n3,10,11,9,10,-1\n", /line 4: volume -1/],
    [header + "2,10,11,9,10,5\n1,10,11,9,10,5\n", /line 3: time 1 is not after/],
    [header + "1,10,9,11,10,5\n", /line 2: high 9 is below low 11/],
    ["time,open,high,low,close\n1,1,1,1,1\n", /line 1: header lacks column "volume"/],
  ];
  for (const [text, want] of cases) {
    const f = await tempCsv(text);
    try {
      const r = await run(f);
      assert.equal(r.code, 1, text);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, want);
      assert.ok(r.stderr.includes(f), "the message names the file");
    } finally {
      await Deno.remove(f);
    }
  }
});

Deno.test("indicators CLI: usage and unreadable files are clear errors", async () => {
  const help = await run("--help");
  assert.equal(help.code, 0, "asked-for usage is not an error");
  assert.match(help.stderr, /usage: deno task indicators FILE\.csv/);
  const noFile = await run();
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /usage/);
  const missing = await run("/tmp/does-not-exist-perptrix.csv");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read \/tmp\/does-not-exist-perptrix.csv/);
  const empty = await tempCsv("time,open,high,low,close,volume\n");
  try {
    const r = await run(empty);
    assert.equal(r.code, 0);
    const json = JSON.parse(r.stdout);
    for (const k of INDICATOR_COLUMNS) assert.deepEqual(json[k], []);
  } finally {
    await Deno.remove(empty);
  }
});

Deno.test("indicators CLI: the output is byte-identical to JSON.stringify of the columns (58k rows)", async () => {
  const r = await run(dataPath(BTC_1H));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout === JSON.stringify(indicatorColumns(loadCandles(BTC_1H))) + "\n");
});

Deno.test("writeColumnsJson: any chunk size gives JSON.stringify's bytes, in pieces of ≤ chunk values", async () => {
  const cols: Record<string, (number | null)[]> = {
    a: [null, 1, -0, 0.1 + 0.2, 1e21, 5e-324, -1.5e-7, NaN, Infinity],
    'q"\\\u00e9': [],
    z: [42],
  };
  const want = JSON.stringify(cols) + "\n";
  const values = Object.values(cols).reduce((n, c) => n + c.length, 0);
  for (const chunk of [1, 2, 3, 1000]) {
    const pieces: string[] = [];
    await writeColumnsJson(Object.keys(cols), (k) => cols[k], (t) => {
      pieces.push(t);
      return Promise.resolve();
    }, chunk);
    assert.equal(pieces.join(""), want, `chunk ${chunk}`);
    assert.equal(pieces.length, Math.floor(values / chunk) + 1, `chunk ${chunk}`);
  }
  await assert.rejects(
    () => writeColumnsJson([], () => [], () => Promise.resolve(), 0),
    RangeError,
  );
});

Deno.test("indicators main: the JSON reaches the sink in bounded pieces, never as one string", async () => {
  // One string of the whole output overflowed V8's string limit on ~2.6M rows (RangeError:
  // Invalid string length); pieces of `chunk` values keep every string small.
  const file = dataPath("regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv");
  const pieces: string[] = [];
  const code = await main(
    [file],
    (t) => {
      pieces.push(t);
      return Promise.resolve();
    },
    (e) => assert.fail(e),
    64,
  );
  assert.equal(code, 0);
  const rows = loadCandles("regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv").length;
  assert.equal(pieces.length, Math.floor(rows * INDICATOR_COLUMNS.length / 64) + 1);
  // 64 values of at most ~24 characters, plus the keys that start or end columns in the piece.
  for (const p of pieces) assert.ok(p.length < 64 * 25 + 200, `piece of ${p.length} characters`);
  assert.equal(
    pieces.join(""),
    JSON.stringify(
      indicatorColumns(loadCandles("regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv")),
    ) +
      "\n",
  );
});

Deno.test("indicators CLI: a reader that stops early (| head -c 10) ends the run quietly with 0", async () => {
  const child = new Deno.Command("deno", {
    args: ["run", "--allow-read=.,../shared,/tmp", "cli/indicators.ts", dataPath(BTC_1H)],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Read the first bytes, then close the pipe while the CLI still has megabytes to write.
  const reader = child.stdout.getReader();
  const first = await reader.read();
  assert.ok(first.value && first.value.length > 0);
  assert.equal(new TextDecoder().decode(first.value.subarray(0, 10)), '{"rsi14":[');
  await reader.cancel();
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
  ]);
  assert.equal(stderr, "");
  assert.equal(status.code, 0);
});

Deno.test("indicators run: a closed pipe is exit 0; any other failure is one line, no stack, exit 1", async () => {
  const file = dataPath("regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv");
  const errors: string[] = [];
  const fail = (e: Error) => () => Promise.reject(e);
  assert.equal(
    await runCli([file], fail(new Deno.errors.BrokenPipe("closed")), (t) => errors.push(t)),
    0,
  );
  assert.equal(errors.length, 0);
  assert.equal(
    await runCli([file], fail(new Error("No space left on device")), (t) => errors.push(t)),
    1,
  );
  assert.deepEqual(errors, ["indicators: No space left on device"]);
});
