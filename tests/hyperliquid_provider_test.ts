/**
 * The Hyperliquid provider against the protocol-exact fake with every fault on: dropped
 * connections with candles missed while down, duplicate and stale frames, malformed frames,
 * REST 429/500. Every closed candle the fake produced must reach the sink exactly once with the
 * fake's final OHLCV; funding and open interest must flow; nothing may crash.
 */
import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { buildConfig } from "../core/config.ts";
import { type Interval, nextOpenTime } from "../core/interval.ts";
import { createLogger, setLogLevel } from "../core/log.ts";
import type { PerpSnapshot } from "../core/market.ts";
import { registry } from "../core/metrics.ts";
import { HyperliquidProvider } from "../providers/hyperliquid/provider.ts";
import { loadFunding } from "./data.ts";
import { FakeHyperliquid } from "./fakes/hyperliquid.ts";

setLogLevel("error");

const SPEED = 600; // 1 real second = 10 virtual minutes
const SYMBOLS = ["BTC", "ETH"];
const INTERVALS: Interval[] = ["1m", "5m", "15m", "1h"];
const COUNT = 50;
const GRACE = 2_000;

function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  return registry.getSingleMetric(name)!.get().then((m) =>
    m.values
      .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
      .reduce((a, v) => a + v.value, 0)
  );
}

function providerFor(fake: FakeHyperliquid, options: Record<string, unknown> = {}) {
  const config = buildConfig({
    symbols: SYMBOLS,
    intervals: INTERVALS,
    historical_candle_count: COUNT,
  });
  const env: Record<string, string> = {
    HYPERLIQUID_API_URL: fake.apiUrl,
    HYPERLIQUID_WS_URL: fake.wsUrl,
  };
  return new HyperliquidProvider({
    config,
    options: {
      graceMs: GRACE,
      tickMs: 10,
      resyncMinMs: 20,
      pingIntervalMs: 100,
      deadAfterMs: 2_000,
      reconnectBaseMs: 20,
      reconnectCapMs: 200,
      restTimeoutMs: 3_000,
      restBackoffBaseMs: 10,
      restBackoffCapMs: 100,
      restMaxAttempts: 10,
      // The venue's per-minute limits, scaled like the clock would make every drop cost a
      // minute; the budgets themselves are unit-tested.
      weightPerMinute: 100_000,
      wsConnectionsPerMinute: 10_000,
      fundingBackfillHours: 24 * 30,
      ...options,
    },
    env: (n) => env[n],
    logger: createLogger("test"),
  }, { clock: fake.now });
}

Deno.test("hyperliquid provider: every closed candle exactly once with final OHLCV, faults on", async () => {
  const fake = FakeHyperliquid.start({
    speed: SPEED,
    tickMs: 5,
    ctxEveryMs: 50,
    weightPerMinute: 100_000,
    seed: 7,
    faults: {
      dropEveryMs: 1_200,
      downForMs: 250,
      duplicateRate: 0.05,
      staleRate: 0.05,
      malformedRate: 0.03,
      rest429Rate: 0.05,
      rest500Rate: 0.05,
    },
  });
  const provider = providerFor(fake, { subscriptionsPerConnection: 4 });
  const got = new Map<string, Candle[]>();
  const problems: string[] = [];
  const perps: PerpSnapshot[] = [];
  const malformedBefore = await metricValue("perptrix_ws_malformed_frames_total");
  try {
    const startV = fake.now();
    await provider.start({
      candle(symbol, interval, c) {
        const key = `${symbol}|${interval}`;
        const list = got.get(key) ?? [];
        const last = list[list.length - 1];
        if (last !== undefined && c.time <= last.time) {
          problems.push(`${key}: ${c.time} delivered after ${last.time}`);
        }
        list.push(c);
        got.set(key, list);
      },
      perp: (s) => perps.push(s),
    });
    await provider.backfilled();
    assert.equal(provider.connectionCount, 3, "10 subscriptions at 4 per connection");
    await new Promise((r) => setTimeout(r, 6_000));
    const stopV = fake.now();
    const live = fake.connections();
    await provider.stop();

    assert.deepEqual(problems, []);
    assert.ok(fake.stats.drops >= 2, `drops ${fake.stats.drops}`);
    assert.ok(fake.stats.wsRefused >= 1, "reconnects were refused while the fake was down");
    assert.ok(fake.stats.duplicates > 0 && fake.stats.stale > 0 && fake.stats.malformed > 0);
    assert.ok(fake.stats.rest429Injected > 0 && fake.stats.rest500 > 0);
    assert.equal(fake.stats.rest429Weight, 0, "the provider stayed inside the weight budget");
    assert.ok(live.subscriptions <= 10);
    const malformed = (await metricValue("perptrix_ws_malformed_frames_total")) - malformedBefore;
    assert.ok(malformed > 0, "malformed frames were counted");

    for (const coin of SYMBOLS) {
      for (const interval of INTERVALS) {
        const key = `${coin}|${interval}`;
        const delivered = got.get(key) ?? [];
        const truth = fake.closedCandles(coin, interval, stopV);
        const byTime = new Map(truth.map((c) => [c.time, c]));
        // Backfill: the newest COUNT closed candles at start (one more may close meanwhile).
        const atStart = delivered.filter((c) => nextOpenTime(interval, c.time) <= startV).length;
        assert.ok(atStart >= COUNT - 1 && atStart <= COUNT + 1, `${key}: backfill ${atStart}`);
        // Every delivered candle is one the fake produced, with its final OHLCV.
        for (const c of delivered) {
          const t = byTime.get(c.time);
          assert.ok(t, `${key}: ${c.time} is not a closed candle of the fake`);
          assert.deepEqual(
            [c.open, c.high, c.low, c.close, c.volume],
            [t.open, t.high, t.low, t.close, t.volume],
            `${key} @ ${new Date(c.time).toISOString()}`,
          );
        }
        // Every candle the fake closed after the first delivered one (up to a margin for what
        // was in flight at stop) was delivered.
        const first = delivered[0].time;
        const expected = truth.filter((c) =>
          c.time >= first && nextOpenTime(interval, c.time) + GRACE + 30_000 <= stopV
        );
        const deliveredTimes = new Set(delivered.map((c) => c.time));
        const missing = expected.filter((c) => !deliveredTimes.has(c.time));
        assert.deepEqual(missing.map((c) => new Date(c.time).toISOString()), [], `${key} missing`);
        if (interval === "1m") assert.ok(expected.length >= COUNT + 40, `${key}: live 1m ran`);
      }
    }

    // Funding and open interest flowed: live snapshots, and candles annotated with them.
    for (const coin of SYMBOLS) {
      const snaps = perps.filter((p) => p.symbol === coin);
      assert.ok(snaps.length > 10, `${coin}: ${snaps.length} perp snapshots`);
      assert.ok(snaps.every((s) => Number.isFinite(s.fundingRate) && s.openInterest > 0));
      const oneMinute = got.get(`${coin}|1m`)!;
      const lastLive = oneMinute[oneMinute.length - 1];
      assert.ok(lastLive.openInterest! > 0 && Number.isFinite(lastLive.fundingRate));
      // A backfilled candle carries the recorded hourly rate in force at its close.
      const recorded = loadFunding(
        `hyperliquid-${coin.toLowerCase()}-funding-1h-2023-05_2025-07.csv`,
      );
      for (const c of got.get(`${coin}|1h`)!.slice(0, 5)) {
        const close = nextOpenTime("1h", c.time);
        const inForce = recorded.filter((f) => f.time <= close).pop()!;
        assert.equal(c.fundingRate, inForce.rate, `${coin} 1h ${c.time} funding`);
      }
    }
    assert.ok(await metricValue("perptrix_ws_reconnects_total") > 0);
  } finally {
    await provider.stop();
    await fake.close();
  }
});
