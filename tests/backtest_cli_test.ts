/** The `backtest` command end to end on the real Hyperliquid BTC 1h series with its funding. */
import assert from "node:assert/strict";
import { main } from "../cli/backtest.ts";
import { dataPath } from "./data.ts";

Deno.test("cli: CSV run writes a JSON and an HTML report; --from warms up on earlier candles", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-bt-" });
  try {
    const args = [
      "--csv",
      dataPath("hyperliquid-btc-perp-1h-2024-09_2025-07.csv"),
      "--funding",
      dataPath("hyperliquid-btc-funding-1h-2023-05_2025-07.csv"),
      "--from",
      "2025-01-01T00:00:00Z",
      "--to",
      "2025-06-30T23:00:00Z",
      "--slippage-bps",
      "1",
      "--json",
      `${dir}/r.json`,
      "--html",
      `${dir}/r.html`,
    ];
    const log = console.log;
    const out: string[] = [];
    console.log = (...a: unknown[]) => out.push(a.join(" "));
    let code;
    try {
      code = await main(args);
    } finally {
      console.log = log;
    }
    assert.equal(code, 0);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assert.equal(report.run.from, "2025-01-01T00:00:00.000Z");
    assert.equal(report.run.to, "2025-06-30T23:00:00.000Z");
    assert.equal(report.run.interval, "1h");
    assert.equal(report.run.config.slippage_bps, 1);
    assert.ok(report.run.candles_total > report.run.candles_traded); // 2024 candles warmed up
    assert.ok(report.trades.length > 0);
    assert.match(out.join("\n"), /trades hash sha256:[0-9a-f]{64}/);
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert.ok(html.startsWith("<!doctype html>") && html.includes("LightweightCharts"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: usage errors are clear", async () => {
  await assert.rejects(() => main([]), /exactly one of --csv/);
  await assert.rejects(() => main(["--csv", "x.csv", "--interval", "7m"]), /not an interval/);
  await assert.rejects(() => main(["--csv", "/nonexistent.csv"]), /cannot be read/);
  await assert.rejects(() => main(["--csv", "x", "--risk-pct", "abc"]), /not a number/);
  await assert.rejects(
    () => main(["--csv", dataPath("hyperliquid-btc-perp-1h-2024-09_2025-07.csv"), "--risk-pct=-2"]),
    /risk_pct/,
  );
});

/** Runs main with stdout captured; returns the code and the printed lines. */
async function quietMain(args: string[]): Promise<{ code: number; out: string }> {
  const log = console.log;
  const out: string[] = [];
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  try {
    return { code: await main(args), out: out.join("\n") };
  } finally {
    console.log = log;
  }
}

/** A temp dir with the first 60 hourly Hyperliquid BTC candles (2024-09-04 11:00 .. 09-06 22:00). */
async function hourlyDir(t: (ms: number) => string = String): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-bt-" });
  const lines = (await Deno.readTextFile(dataPath("hyperliquid-btc-perp-1h-2024-09_2025-07.csv")))
    .split("\n");
  const rows = lines.slice(1, 61).map((r) => {
    const [time, ...rest] = r.split(",");
    return [t(Number(time)), ...rest].join(",");
  });
  await Deno.writeTextFile(`${dir}/c.csv`, [lines[0], ...rows].join("\n") + "\n");
  // One settlement at 09-07 00:00: an hour after the last candle's real close.
  await Deno.writeTextFile(`${dir}/f.csv`, "time,rate\n1725667200000,0.01\n");
  return dir;
}

Deno.test("cli: --interval must match the CSV's spacing (a longer one would charge future funding)", async () => {
  const dir = await hourlyDir();
  try {
    const base = ["--csv", `${dir}/c.csv`, "--funding", `${dir}/f.csv`, "--json", `${dir}/r.json`];
    await assert.rejects(
      () => quietMain([...base, "--interval", "1d"]),
      /c\.csv: lines 2 and 3: candles 3600000 ms \(1h\) apart, below the interval 1d/,
    );
    await assert.rejects(
      () => quietMain([...base, "--interval", "30m"]),
      /no two consecutive candles are 30m apart/,
    );
    assert.equal((await quietMain([...base, "--interval", "1h"])).code, 0);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assert.equal(report.run.interval, "1h");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  for (
    const [unit, t, re] of [
      ["s", (ms: number) => String(ms / 1000), /line 2: time 1725447600 .*looks like seconds/],
      ["us", (ms: number) => String(ms * 1000), /line 61: .*micro- or nanoseconds/],
    ] as const
  ) {
    const d = await hourlyDir(t);
    try {
      for (const extra of [["--interval", "1h"], []]) {
        await assert.rejects(() => quietMain(["--csv", `${d}/c.csv`, ...extra]), re, unit);
      }
    } finally {
      await Deno.remove(d, { recursive: true });
    }
  }
});

Deno.test("cli: --from after the data is an error, as --to before it is", async () => {
  const dir = await hourlyDir();
  try {
    for (const range of [["--from", "2030-01-01"], ["--to", "2000-01-01"]]) {
      await assert.rejects(
        () => quietMain(["--csv", `${dir}/c.csv`, ...range, "--json", `${dir}/r.json`]),
        (e: Error) =>
          e.name === "UsageError" &&
          /^no candles in the selected range .* \(the data covers 2024-09-04T11:00:00.000Z \.\. 2024-09-06T22:00:00.000Z\)$/
            .test(e.message),
        range.join(" "),
      );
    }
    await assert.rejects(() => Deno.stat(`${dir}/r.json`), Deno.errors.NotFound); // no report
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: numeric flags take decimal or scientific notation only", async () => {
  const dir = await hourlyDir();
  try {
    const csv = ["--csv", `${dir}/c.csv`];
    for (
      const [flag, v] of [
        ["--risk-pct", "0x1"],
        ["--initial-equity", "0b1010"],
        ["--slippage-bps", "0o7"],
        ["--max-leverage", "Infinity"],
        ["--min-notional", "1_0"],
      ]
    ) {
      await assert.rejects(() => quietMain([...csv, flag, v]), /is not a number/, `${flag} ${v}`);
    }
    const r = await quietMain([
      ...csv,
      "--risk-pct",
      "5e-1",
      "--initial-equity",
      "1.5E4",
      "--min-notional",
      "20",
      "--ruin-pct",
      ".5",
      "--json",
      `${dir}/r.json`,
    ]);
    assert.equal(r.code, 0);
    const { config } = JSON.parse(await Deno.readTextFile(`${dir}/r.json`)).run;
    assert.equal(config.risk_pct, 0.5);
    assert.equal(config.initial_equity, 15_000);
    assert.equal(config.min_notional, 20);
    assert.equal(config.ruin_pct, 0.5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: a losing run stops at the ruin threshold instead of trading dust", async () => {
  // The default strategy on Binance BTCUSDT perp 5m 2023-01..2024-05 loses nearly every trade:
  // without a floor it ended at 1.4e-26 after 20,553 trades, ~18,000 of them under $10, and
  // was not marked ruined.
  const dir = await Deno.makeTempDir({ prefix: "perptrix-bt-" });
  try {
    const csv = ["--csv", dataPath("binance-btcusdt-perp-5m-2023-01_2024-05.csv")];
    const { out } = await quietMain([...csv, "--json", `${dir}/r.json`]);
    const r = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assert.equal(r.model.ruined, true);
    assert.match(r.model.ruined_at, /^\d{4}-\d\d-\d\dT/);
    const final = r.performance.final_equity;
    assert.ok(final > 0 && final < 100, `final equity ${final}: below 1 % of 10 000, not dust`);
    const last = r.trades[r.trades.length - 1];
    assert.ok(Date.parse(r.model.ruined_at) === last.exit_time, "ruined by the last trade");
    for (const t of r.trades) assert.ok(t.qty * t.entry_price >= 10, `trade ${t.id} notional`);
    assert.ok(r.caveats.some((c: string) => /^Ruined at .*1 % of the initial 10000/.test(c)));
    assert.match(out, /note: Ruined at/);

    // Without the floor (ruin only at zero) the $10 minimum still stops the dust trades, and
    // says how many entries it skipped.
    await quietMain([...csv, "--ruin-pct", "0", "--json", `${dir}/r0.json`]);
    const r0 = JSON.parse(await Deno.readTextFile(`${dir}/r0.json`));
    assert.equal(r0.model.ruined, false);
    assert.ok(r0.model.skipped_min_notional > 0);
    assert.ok(
      r0.trades.every((t: { qty: number; entry_price: number }) => t.qty * t.entry_price >= 10),
    );
    assert.ok(r0.caveats.some((c: string) => /below the minimum order value of 10/.test(c)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
