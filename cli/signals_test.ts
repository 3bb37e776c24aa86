import assert from "node:assert/strict";
import type { SignalRecord } from "../core/signal.ts";
import { DATA_DIR, dataPath, loadCandles } from "../tests/data.ts";
import { inferInterval, main, UsageError } from "./signals.ts";

const CRASH = "regimes/crash-2020-03-12-binance-btcusdt-spot-5m.csv";

/** Captures what main() writes. */
function sink() {
  const chunks: Uint8Array[] = [];
  return {
    write(p: Uint8Array) {
      chunks.push(p.slice());
      return Promise.resolve(p.length);
    },
    lines(): string[] {
      const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
      return text.split("\n").filter((l) => l !== "");
    },
  };
}

async function quiet<T>(f: () => Promise<T>): Promise<T> {
  const err = console.error;
  console.error = () => {};
  try {
    return await f();
  } finally {
    console.error = err;
  }
}

Deno.test("one JSON record per candle after warm-up, in candle order", async () => {
  const out = sink();
  assert.equal(await quiet(() => main([dataPath(CRASH)], out)), 0);
  const recs = out.lines().map((l) => JSON.parse(l) as SignalRecord);
  const candles = loadCandles(CRASH);
  assert.equal(recs.length, candles.length - 50 + 1); // warm-up: EMA 50 of the default profile
  assert.deepEqual(recs.map((r) => r.time), candles.slice(49).map((c) => c.time));
  for (const r of recs) {
    assert.equal(r.interval, "5m");
    assert.equal(r.strategy, "default");
    assert.equal(r.symbol, "crash-2020-03-12-binance-btcusdt-spot-5m");
  }
});

Deno.test("--funding joins per-hour rates (the funding indicator leaves Neutral)", async () => {
  const candles = dataPath("hyperliquid-hype-perp-1h-2024-12_2025-07.csv");
  const funding = dataPath("hyperliquid-hype-funding-1h-2024-12_2025-07.csv");
  const plain = sink();
  const joined = sink();
  await quiet(() => main([candles, "--symbol", "HYPE"], plain));
  await quiet(() => main([candles, "--symbol", "HYPE", "--funding", funding], joined));
  const states = (lines: string[]) => {
    const m = new Map<string, number>();
    for (const l of lines) {
      const r = JSON.parse(l) as SignalRecord;
      const f = r.categories.find((c) => c.id === "perp")!.contributions.find((x) =>
        x.id === "funding"
      )!;
      m.set(f.state, (m.get(f.state) ?? 0) + 1);
    }
    return m;
  };
  assert.deepEqual([...states(plain.lines()).keys()], ["Neutral"]);
  const s = states(joined.lines());
  assert.ok(s.size >= 3, JSON.stringify([...s]));
});

Deno.test("price rule flags round SL/TP prices", async () => {
  const out = sink();
  await quiet(() =>
    main([
      dataPath("hyperliquid-eth-perp-1h-2024-09_2025-07.csv"),
      "--sig-figs",
      "5",
      "--max-decimals",
      "2",
    ], out)
  );
  let n = 0;
  for (const l of out.lines()) {
    const r = JSON.parse(l) as SignalRecord;
    if (r.sl_price === null) continue;
    n++;
    for (const px of [r.sl_price, r.tp_price!]) {
      const s = String(px);
      const dec = s.includes(".") ? s.split(".")[1].length : 0;
      assert.ok(dec <= 2, s);
      if (!Number.isInteger(px)) assert.ok(s.replace(".", "").replace(/^0+/, "").length <= 5, s);
    }
  }
  assert.ok(n > 1000);
});

Deno.test("bad inputs are clear errors", async () => {
  const cases: [string[], RegExp][] = [
    [[], /usage/],
    [[dataPath("hyperliquid-btc-funding-1h-2023-05_2025-07.csv")], /is a funding file/],
    [[dataPath("binance-btcusdt-perp-oi-1h-2026-03.csv")], /header lacks column "open"/],
    [[`${DATA_DIR}/nope.csv`], /cannot read candle file/],
    [[dataPath(CRASH), "--strategy", "nope"], /no built-in strategy "nope"/],
    [[dataPath(CRASH), "--interval", "7m"], /--interval "7m" is not one of/],
    [[dataPath(CRASH), "--sig-figs", "5"], /go together/],
    [[dataPath(CRASH), "--sig-figs", "0", "--max-decimals", "2"], /sigFigs must be/],
    [
      [dataPath(CRASH), "--funding-period-hours", "x", "--funding", dataPath(CRASH)],
      /non-negative integer/,
    ],
    [[dataPath(CRASH), "--funding", dataPath(CRASH)], /header lacks column "rate"/],
  ];
  for (const [args, re] of cases) {
    await assert.rejects(() => quiet(() => main(args, sink())), (e: Error) => {
      assert.ok(e instanceof UsageError, `${args}: ${e}`);
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("a bad strategy file lists every problem", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      path,
      JSON.stringify({ weights: { trend: 2 }, stops: { sl_mult: -1 } }),
    );
    await assert.rejects(
      () => quiet(() => main([dataPath(CRASH), "--strategy-file", path], sink())),
      /weights\.trend[\s\S]*stops\.sl_mult/,
    );
    await Deno.writeTextFile(path, "{not json");
    await assert.rejects(
      () => quiet(() => main([dataPath(CRASH), "--strategy-file", path], sink())),
      /is not valid JSON/,
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("interval inference from the median spacing (gaps tolerated)", () => {
  const t = [0, 60, 120, 180, 600, 660].map((m) => ({
    time: m * 1000,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 0,
  }));
  assert.equal(inferInterval(t), "1m");
  assert.throws(() => inferInterval(t.slice(0, 1)), /< 2 candles/);
  assert.throws(() => inferInterval([t[0], { ...t[0], time: 7000 }]), /median spacing 7000 ms/);
});

Deno.test("the CLI process exits 1 with a one-line message, and 0 with output", async () => {
  const run = (args: string[]) =>
    new Deno.Command("deno", {
      args: ["run", "--allow-read=.,../shared,/tmp", "cli/signals.ts", ...args],
      cwd: new URL("..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
  const bad = await run([dataPath("hyperliquid-btc-funding-1h-2023-05_2025-07.csv")]);
  assert.equal(bad.code, 1);
  const err = new TextDecoder().decode(bad.stderr).trim();
  assert.match(err, /^signals: .* is a funding file/);
  assert.equal(err.split("\n").length, 1);
  const ok = await run([dataPath(CRASH), "--strategy", "weighted"]);
  assert.equal(ok.code, 0);
  const lines = new TextDecoder().decode(ok.stdout).trim().split("\n");
  assert.equal(lines.length, loadCandles(CRASH).length - 49);
  assert.equal((JSON.parse(lines[0]) as SignalRecord).strategy, "weighted");
});

Deno.test("runs on every candle file in the data folder: exit 0, one record per candle after warm-up", async () => {
  const files: string[] = [];
  for (const sub of ["", "regimes/"]) {
    for (const e of Deno.readDirSync(dataPath(sub))) {
      if (e.isFile && e.name.endsWith(".csv") && !/funding|-oi-/.test(e.name)) {
        files.push(sub + e.name);
      }
    }
  }
  assert.ok(files.length >= 20, `${files.length} candle files`);
  for (const file of files.sort()) {
    let lines = 0;
    let tail = 0; // a record must end every write batch's last line
    const sink = {
      write(p: Uint8Array): Promise<number> {
        for (let i = 0; i < p.length; i++) if (p[i] === 10) lines++;
        tail = p.length > 0 ? p[p.length - 1] : tail;
        return Promise.resolve(p.length);
      },
    };
    const code = await main([dataPath(file)], sink);
    assert.equal(code, 0, file);
    const candles = loadCandles(file);
    assert.ok(lines > 0 && lines < candles.length, `${file}: ${lines} records`);
    assert.ok(candles.length - lines < 1000, `${file}: warm-up of ${candles.length - lines}`);
    assert.equal(tail, 10, file);
  }
});
