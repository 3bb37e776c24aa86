/**
 * End to end, one process: `main.ts --role all` (no Redis, the in-memory store) against the fake
 * Hyperliquid on a 60× clock. It ingests the backfill and live candles, evaluates them, and serves
 * candles (with the open one), signals and indicators through the API; the candle-close→signal
 * latency histogram is in /metrics.
 */
import assert from "node:assert/strict";
import { nextOpenTime } from "../core/interval.ts";
import { FakeHyperliquid } from "./fakes/hyperliquid.ts";
import { getJson, getText, metricSum, RoleProcess } from "./_role_process.ts";
import { virtualClockEnv } from "./_virtual_clock.ts";

/** Virtual ms per real ms: a 1m candle closes every real second. */
const SPEED = 60;
const HISTORY = 60;
/** The default strategy emits its first signal on the 50th candle of a series. */
const WARMUP = 49;

type Row = { time: number } & Record<string, unknown>;

Deno.test("--role all: ingests, evaluates and serves candles, signals, indicators and metrics", async () => {
  const fake = FakeHyperliquid.start({ shiftToNow: true, speed: SPEED, coins: ["BTC", "ETH"] });
  const proc = RoleProcess.spawn("all", ["--role", "all"], {
    STORE: "memory",
    REDIS_URL: "",
    SYMBOLS: "BTC,ETH",
    INTERVALS: "1m",
    HISTORICAL_CANDLE_COUNT: String(HISTORY),
    PORT: "0",
    HOSTNAME_BIND: "127.0.0.1",
    LOG_LEVEL: "info",
    HYPERLIQUID_API_URL: fake.apiUrl,
    HYPERLIQUID_WS_URL: fake.wsUrl,
    // The process runs on the fake's clock (latencies below are in virtual time).
    PERPTRIX_TEST_CLOCK: virtualClockEnv(fake.now(), SPEED),
  }, ["tests/_virtual_clock.ts"]);
  try {
    const url = await proc.url();
    // Backfill plus at least 10 live closes per series, every one of them evaluated.
    const startV = fake.now();
    const deadline = Date.now() + 40_000;
    let signals: Row[] = [];
    for (;;) {
      const [, body] = await getJson(`${url}/signals/BTC?interval=1m&limit=5000`);
      signals = (body as { signals: Row[] }).signals;
      const live = signals.filter((s) => s.time >= startV).length;
      if (live >= 10) break;
      assert.ok(
        Date.now() < deadline,
        `only ${live} live of ${signals.length} signals after 40 s:\n${proc.log}`,
      );
      await new Promise((r) => setTimeout(r, 250));
    }
    const nowV = fake.now();

    // Candles: ascending, exactly the fake's closed candles with their final OHLCV.
    const [cs, cbody] = await getJson(
      `${url}/candles/BTC?interval=1m&limit=5000&include_open=true`,
    );
    assert.equal(cs, 200);
    const all = (cbody as { candles: Row[]; open_included: boolean }).candles;
    const open = all.at(-1)!;
    assert.equal((cbody as { open_included: boolean }).open_included, true);
    assert.equal(open.is_open, true, "the still-open candle is last and flagged");
    assert.ok(nextOpenTime("1m", open.time) > startV, "the open candle is a live one");
    const closed = all.slice(0, -1);
    const truth = new Map(fake.closedCandles("BTC", "1m", nowV).map((c) => [c.time, c]));
    for (let i = 0; i < closed.length; i++) {
      if (i > 0) assert.ok(closed[i].time > closed[i - 1].time, "ascending");
      const t = truth.get(closed[i].time);
      assert.ok(t, `candle ${closed[i].time} is one the fake closed`);
      assert.deepEqual(
        [closed[i].open, closed[i].high, closed[i].low, closed[i].close, closed[i].volume],
        [t.open, t.high, t.low, t.close, t.volume],
      );
    }
    assert.ok(closed.length >= HISTORY + 10, `${closed.length} candles stored`);

    // Signals: newest first; one per closed candle after the warm-up, none before it.
    for (let i = 1; i < signals.length; i++) assert.ok(signals[i].time < signals[i - 1].time);
    const signalled = new Set(signals.map((s) => s.time));
    // The newest closed candle may still be in evaluation when we read; everything before it
    // must be done.
    const expected = closed.slice(WARMUP, -1).map((c) => c.time);
    const missing = expected.filter((t) => !signalled.has(t));
    assert.deepEqual(missing, [], "every closed candle after the warm-up has a signal");
    for (const c of closed.slice(0, WARMUP)) assert.ok(!signalled.has(c.time), "warm-up");
    for (const s of signals) {
      const c = closed.find((x) => x.time === s.time);
      assert.ok(c, `signal ${s.time} belongs to a stored candle`);
      assert.equal(s.price, c.close, "a signal's price is its candle's close");
    }

    // The latest signal per series, and the other symbol too.
    const [, latest] = await getJson(`${url}/signals`);
    const l = (latest as { signals: Row[] }).signals;
    assert.deepEqual(l.map((s) => s.symbol).sort(), ["BTC", "ETH"]);
    const [es, eth] = await getJson(`${url}/signals/ETH?interval=1m&limit=3`);
    assert.equal(es, 200);
    assert.equal((eth as { signals: Row[] }).signals.length, 3);

    // Indicators computed from the stored candles.
    const [is, ind] = await getJson(`${url}/indicators/BTC?interval=1m`);
    assert.equal(is, 200, JSON.stringify(ind));
    assert.ok(JSON.stringify(ind).includes('"rsi"'), "rsi is among the indicators");

    // Metrics: the close→signal latency histogram with one observation per stored signal
    // (both symbols), and ingestion counted.
    const metrics = await getText(`${url}/metrics`);
    assert.match(metrics, /^# TYPE perptrix_candle_to_signal_seconds histogram$/m);
    const observed = metricSum(metrics, "perptrix_candle_to_signal_seconds_count");
    const ok = metricSum(metrics, "perptrix_evaluations_total", { result: "ok" });
    assert.ok(observed >= signals.length, `${observed} latencies, ${signals.length} BTC signals`);
    assert.equal(observed, ok, "one latency observation per stored signal");
    assert.ok(metricSum(metrics, "perptrix_ingest_candles_total", { interval: "1m" }) > 0);
    assert.equal(metricSum(metrics, "perptrix_ingest_leader"), 1, "the only ingest is the leader");

    const status = await proc.stop();
    assert.equal(status.code, 0, proc.log);
  } finally {
    proc.kill("SIGKILL");
    await proc.child.status;
    await fake.close();
  }
});
