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
