import assert from "node:assert/strict";
import type { Candle } from "../../core/candle.ts";
import { buildConfig } from "../../core/config.ts";
import { nextOpenTime } from "../../core/interval.ts";
import { createLogger, setLogLevel } from "../../core/log.ts";
import { DATA_DIR, dataPath, loadCandles, loadFunding } from "../../tests/data.ts";
import { ReplayProvider } from "./provider.ts";
import { ReplaySourceError } from "./sources.ts";

setLogLevel("error");

const H1 = "hyperliquid-btc-perp-1h-2024-09_2025-07.csv";
const M5 = "hyperliquid-btc-perp-5m-2025-03_2025-07.csv";
const FUND = "hyperliquid-btc-funding-1h-2023-05_2025-07.csv";

function replay(env: Record<string, string>, options: Record<string, unknown> = {}) {
  return new ReplayProvider({
    config: buildConfig({ symbols: ["BTC"], historical_candle_count: 10 }),
    options,
    env: (n) => n === "PERPTRIX_DATA_DIR" ? DATA_DIR : env[n],
    logger: createLogger("test"),
  });
}

Deno.test("replay plays every candle once, in close-time order, with funding attached", async () => {
  const p = replay({
    REPLAY_CANDLES: `BTC@1h=${dataPath(H1)},BTC@5m=${M5}`,
    REPLAY_FUNDING: `BTC=${dataPath(FUND)}`,
    REPLAY_SPEED: "0",
  });
  const got: { interval: string; c: Candle }[] = [];
  await p.start({ candle: (_s, interval, c) => got.push({ interval, c }) });
  await p.finished();
  const h1 = loadCandles(H1), m5 = loadCandles(M5), funding = loadFunding(FUND);
  const by = (i: string) => got.filter((g) => g.interval === i).map((g) => g.c);
  const strip = (c: Candle) => [c.time, c.open, c.high, c.low, c.close, c.volume];
  assert.deepEqual(by("1h").map(strip), h1.map(strip));
  assert.deepEqual(by("5m").map(strip), m5.map(strip));
  // The first 20 deliveries are the backfill (10 per series); then close times never go back.
  const live = got.slice(20).map((g) => nextOpenTime(g.interval as "1h" | "5m", g.c.time));
  for (let i = 1; i < live.length; i++) assert.ok(live[i] >= live[i - 1], `order at ${i}`);
  // Funding in force at the close of a candle, per hour.
  const c = by("1h")[500];
  const inForce = funding.filter((f) => f.time <= nextOpenTime("1h", c.time)).pop()!;
  assert.equal(c.fundingRate, inForce.rate / inForce.periodHours);
  assert.equal(inForce.periodHours, 1);
  assert.deepEqual(
    (await p.candles("BTC", "1h", h1[0].time, h1[2].time)).map(strip),
    h1.slice(0, 3).map(strip),
  );
  assert.equal((await p.funding("BTC", funding[0].time, funding[1].time)).length, 2);
  assert.deepEqual(await p.openInterest("BTC", 0, Date.now()), []);
  assert.equal(p.health().ok, true);
  await p.stop();
});

Deno.test("replay at real-time speed delivers the backfill, then waits for the replay clock", async () => {
  const p = replay({ REPLAY_CANDLES: H1, REPLAY_SPEED: "1" });
  let n = 0;
  await p.start({ candle: () => n++ });
  // The next 1h candle is an hour away on a real-time clock: only the backfill has arrived.
  assert.equal(n, 10);
  await p.stop();
  await p.finished();
  assert.equal(n, 10);
});

Deno.test("replay rejects bad sources with a clear error", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(
      `${dir}/odd.csv`,
      "time,open,high,low,close,volume\n1753401600000,1,1,1,1,1\n1753401600007,1,1,1,1,1\n",
    );
    Deno.writeTextFileSync(
      `${dir}/seconds.csv`,
      "time,open,high,low,close,volume\n1753401600,1,1,1,1,1\n1753401660,1,1,1,1,1\n",
    );
    const h1At5m = Deno.readTextFileSync(dataPath(H1)).split("\n").slice(0, 4).join("\n");
    Deno.writeTextFileSync(`${dir}/h1.csv`, h1At5m);
    Deno.writeTextFileSync(`${dir}/bad.csv`, "time,open,high,low,close,volume\n0,1,0.5,1,1,1\n");
    assert.throws(() => replay({}), ReplaySourceError);
    assert.throws(() => replay({ REPLAY_CANDLES: `${dir}/missing.csv` }), /cannot be read/);
    assert.throws(() => replay({ REPLAY_CANDLES: `${dir}/odd.csv` }), /cannot infer the interval/);
    assert.throws(() => replay({ REPLAY_CANDLES: `${dir}/seconds.csv` }), /looks like seconds/);
    // A given interval must match the rows' spacing, or the replay would play at the wrong pace.
    assert.throws(() => replay({ REPLAY_CANDLES: `BTC@5m=${dir}/h1.csv` }), /apart/);
    assert.throws(() => replay({ REPLAY_CANDLES: `${dir}/bad.csv` }), /line 2/);
    assert.throws(() => replay({ REPLAY_CANDLES: H1, REPLAY_SPEED: "fast" }), /REPLAY_SPEED/);
    assert.throws(() => replay({ REPLAY_CANDLES: `BTC@7m=${H1}` }), /not an interval/);
    assert.throws(() => replay({}, { speed: -1 }), ReplaySourceError);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
