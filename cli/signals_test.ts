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
  // Times start at a real date: since the interval check refuses times that are not plausible
  // epoch ms (below 1e11 looks like seconds), the former start at time 0 is refused before any
  // spacing is looked at. The spacings, and so what is inferred, are unchanged.
  const T0 = 1_725_447_600_000;
  const t = [0, 60, 120, 180, 600, 660].map((m) => ({
    time: T0 + m * 1000,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 0,
  }));
  assert.equal(inferInterval(t), "1m");
  assert.throws(() => inferInterval(t.slice(0, 1)), /< 2 candles/);
  assert.throws(
    () => inferInterval([t[0], { ...t[0], time: T0 + 7000 }]),
    /median spacing 7000 ms/,
  );
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

/** The first `n` rows of the real Hyperliquid BTC 1h series, `time` mapped by `t`. */
function hourly(n: number, t: (ms: number) => string = String): string[] {
  const rows = Deno.readTextFileSync(dataPath("hyperliquid-btc-perp-1h-2024-09_2025-07.csv"))
    .split("\n").slice(1, n + 1);
  return rows.map((r) => {
    const [time, ...rest] = r.split(",");
    return [t(Number(time)), ...rest].join(",");
  });
}

async function withFiles<T>(
  files: Record<string, string>,
  f: (paths: Record<string, string>) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-sig-" });
  try {
    const paths: Record<string, string> = {};
    for (const [name, text] of Object.entries(files)) {
      paths[name] = `${dir}/${name}`;
      await Deno.writeTextFile(paths[name], text);
    }
    return await f(paths);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const HEADER = "time,open,high,low,close,volume";

Deno.test("--interval is checked against the candle spacing: a longer one would join future funding", async () => {
  // 60 hourly candles (2024-09-04 11:00 .. 09-06 22:00) and one settlement at 09-07 00:00, an
  // hour after the last close. Read as 1d candles the last "closes" at 09-07 22:00 and would
  // take that settlement: look-ahead. The given interval must be refused instead.
  const candles = [HEADER, ...hourly(60)].join("\n") + "\n";
  await withFiles(
    { "c.csv": candles, "f.csv": "time,rate\n1725667200000,0.01\n" },
    async (p) => {
      const args = [p["c.csv"], "--funding", p["f.csv"], "--funding-period-hours", "8"];
      for (
        const [iv, re] of [
          ["1d", /c\.csv: lines 2 and 3: candles 3600000 ms \(1h\) apart, below the interval 1d/],
          ["4h", /lines 2 and 3: candles 3600000 ms \(1h\) apart, below the interval 4h/],
          // Shorter: 1h is a whole multiple of 30m, but no two candles are 30m apart.
          ["30m", /no two consecutive candles are 30m apart \(the closest are 3600000 ms = 1h/],
        ] as const
      ) {
        await assert.rejects(
          () => quiet(() => main([...args, "--interval", iv], sink())),
          (e: Error) => e instanceof UsageError && re.test(e.message),
          iv,
        );
      }
      // The right interval, given or inferred, runs; the settlement is after every close.
      const given = sink();
      assert.equal(await quiet(() => main([...args, "--interval", "1h"], given)), 0);
      const inferred = sink();
      assert.equal(await quiet(() => main(args, inferred)), 0);
      assert.deepEqual(given.lines(), inferred.lines());
      assert.equal(given.lines().length, 60 - 49);
    },
  );
});

Deno.test("--interval: gaps of whole candles pass, other spacings are refused with their lines", async () => {
  const rows = hourly(80);
  const gappy = [HEADER, ...rows.slice(0, 30), ...rows.slice(33)].join("\n") + "\n";
  // A row 90 minutes after its predecessor, after a blank line (line numbers count it).
  const [t, ...rest] = rows[31].split(",");
  const odd = [
    HEADER,
    ...rows.slice(0, 30),
    "",
    [Number(t) - 1_800_000, ...rest].join(","),
    ...rows.slice(32),
  ].join("\n") + "\n";
  await withFiles({ "gappy.csv": gappy, "odd.csv": odd }, async (p) => {
    assert.equal(await quiet(() => main([p["gappy.csv"], "--interval", "1h"], sink())), 0);
    assert.equal(await quiet(() => main([p["gappy.csv"]], sink())), 0);
    for (const args of [[p["odd.csv"], "--interval", "1h"], [p["odd.csv"]]]) {
      await assert.rejects(
        () => quiet(() => main(args, sink())),
        /odd\.csv: lines 31 and 33: candles 5400000 ms \(1h30m\) apart, not a whole multiple of the interval 1h/,
      );
    }
  });
});

Deno.test("times in seconds, micro- or nanoseconds are refused, with or without --interval", async () => {
  const files = {
    "s.csv": [HEADER, ...hourly(60, (ms) => String(ms / 1000))].join("\n"),
    "us.csv": [HEADER, ...hourly(60, (ms) => String(ms * 1000))].join("\n"),
    "ns.csv": [HEADER, ...hourly(60, (ms) => `${ms}000000`)].join("\n"),
  };
  await withFiles(files, async (p) => {
    for (const extra of [["--interval", "1h"], []]) {
      await assert.rejects(
        () => quiet(() => main([p["s.csv"], ...extra], sink())),
        /s\.csv: line 2: time 1725447600 is not epoch milliseconds .*looks like seconds/,
      );
      await assert.rejects(
        () => quiet(() => main([p["us.csv"], ...extra], sink())),
        /us\.csv: line 61: time 1725660000000000 is not epoch milliseconds .*micro- or nanoseconds/,
      );
      // Nanoseconds exceed 2^53: the parser refuses the first row already.
      await assert.rejects(
        () => quiet(() => main([p["ns.csv"], ...extra], sink())),
        /ns\.csv: line 2: time 1725447600000000000 is not epoch milliseconds .*nanoseconds/,
      );
    }
  });
});
