/**
 * The Hyperliquid provider against the protocol-exact fake with every fault on: dropped
 * connections with candles missed while down, duplicate and stale frames, malformed frames,
 * REST 429/500. Every closed candle the fake produced must reach the sink exactly once with the
 * fake's final OHLCV; funding and open interest must flow; nothing may crash. And with the
 * WebSocket down for good, REST alone must still deliver every candle as it closes.
 */
import assert from "node:assert/strict";
import type { Candle } from "../core/candle.ts";
import { buildConfig } from "../core/config.ts";
import { type Interval, nextOpenTime } from "../core/interval.ts";
import { createLogger, setLogLevel } from "../core/log.ts";
import type { PerpSnapshot } from "../core/market.ts";
import type { MarketSink } from "../core/provider.ts";
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
/** Live window of the provider's funding/OI annotation (virtual ms). */
const LIVE_WINDOW = 120_000;
/** The provider keeps one perp snapshot per 5 s (virtual), so "nearest" is exact to 5 s. */
const SNAPSHOT_SAMPLING = 5_000;
/** Real ms the provider gets after the run to deliver what had closed by then (bounded wait). */
const SETTLE_LIMIT_MS = 20_000;

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

/** A sink that records deliveries, their order and what was known when they arrived. */
function recorder(fake: FakeHyperliquid) {
  const got = new Map<string, Candle[]>();
  const problems: string[] = [];
  const perps: PerpSnapshot[] = [];
  /** Per delivered candle: the virtual time of delivery and how many snapshots were known. */
  const seen = new Map<Candle, { at: number; perps: number }>();
  const sink: MarketSink = {
    candle(symbol, interval, c) {
      const key = `${symbol}|${interval}`;
      const list = got.get(key) ?? [];
      const last = list[list.length - 1];
      if (last !== undefined && c.time <= last.time) {
        problems.push(`${key}: ${c.time} delivered after ${last.time}`);
      }
      list.push(c);
      got.set(key, list);
      seen.set(c, { at: fake.now(), perps: perps.length });
    },
    perp: (s) => perps.push(s),
  };
  return { sink, got, problems, perps, seen };
}
type Recorder = ReturnType<typeof recorder>;

/**
 * Candles of a series the fake closed (plus the grace) by `stopV`, from the first delivered one
 * on, that have not been delivered.
 */
function owed(fake: FakeHyperliquid, r: Recorder, coin: string, interval: Interval, stopV: number) {
  const delivered = r.got.get(`${coin}|${interval}`) ?? [];
  const times = new Set(delivered.map((c) => c.time));
  return fake.closedCandles(coin, interval, stopV).filter((c) =>
    delivered.length > 0 && c.time >= delivered[0].time &&
    nextOpenTime(interval, c.time) + GRACE <= stopV && !times.has(c.time)
  );
}

/**
 * Waits (bounded) until every candle closed by `stopV` was delivered. A drop just before stopV
 * legitimately delays the candles that closed during the outage by a reconnect or REST round
 * trip, which on a loaded machine exceeds any fixed margin; the faults stay on meanwhile. A
 * candle that never arrives is reported by {@linkcode assertDelivered}.
 */
async function settle(fake: FakeHyperliquid, r: Recorder, stopV: number): Promise<void> {
  const until = performance.now() + SETTLE_LIMIT_MS;
  while (performance.now() < until) {
    let n = 0;
    for (const coin of SYMBOLS) {
      for (const interval of INTERVALS) {
        n += (r.got.get(`${coin}|${interval}`)?.length ?? 0) === 0
          ? 1
          : owed(fake, r, coin, interval, stopV).length;
      }
    }
    if (n === 0) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

/**
 * Every delivered candle is one the fake had closed when it was delivered, with its final OHLCV,
 * in order and once; every candle closed by `stopV` after the first delivered one was delivered.
 */
function assertDelivered(fake: FakeHyperliquid, r: Recorder, stopV: number): void {
  assert.deepEqual(r.problems, []);
  for (const coin of SYMBOLS) {
    for (const interval of INTERVALS) {
      const key = `${coin}|${interval}`;
      const delivered = r.got.get(key) ?? [];
      assert.ok(delivered.length > 0, `${key}: nothing delivered`);
      const byTime = new Map(fake.closedCandles(coin, interval).map((c) => [c.time, c]));
      for (const c of delivered) {
        const at = new Date(c.time).toISOString();
        const t = byTime.get(c.time);
        assert.ok(t, `${key}: ${at} is not a closed candle of the fake`);
        assert.ok(nextOpenTime(interval, c.time) <= r.seen.get(c)!.at, `${key}: ${at} early`);
        assert.deepEqual(
          [c.open, c.high, c.low, c.close, c.volume],
          [t.open, t.high, t.low, t.close, t.volume],
          `${key} @ ${at}`,
        );
      }
      const missing = owed(fake, r, coin, interval, stopV);
      assert.deepEqual(missing.map((c) => new Date(c.time).toISOString()), [], `${key} missing`);
    }
  }
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
  const r = recorder(fake);
  const { got, perps, seen } = r;
  const malformedBefore = await metricValue("perptrix_ws_malformed_frames_total");
  try {
    const startV = fake.now();
    await provider.start(r.sink);
    await provider.backfilled();
    const backV = fake.now();
    assert.equal(provider.connectionCount, 3, "10 subscriptions at 4 per connection");
    await new Promise((res) => setTimeout(res, 6_000));
    const stopV = fake.now();
    const live = fake.connections();
    await settle(fake, r, stopV);
    await provider.stop();

    assert.ok(fake.stats.drops >= 2, `drops ${fake.stats.drops}`);
    assert.ok(fake.stats.wsRefused >= 1, "reconnects were refused while the fake was down");
    assert.ok(fake.stats.duplicates > 0 && fake.stats.stale > 0 && fake.stats.malformed > 0);
    // The fake's REST dice depend only on the request order (seed 7: a 500 at the 10th request,
    // a 429 at the 13th), and the startup plus two drops make more requests than that.
    assert.ok(
      fake.stats.rest429Injected > 0 && fake.stats.rest500 > 0,
      `${fake.stats.restRequests} requests: ${fake.stats.rest429Injected} × 429, ` +
        `${fake.stats.rest500} × 500`,
    );
    assert.equal(fake.stats.rest429Weight, 0, "the provider stayed inside the weight budget");
    assert.ok(live.subscriptions <= 10);
    const malformed = (await metricValue("perptrix_ws_malformed_frames_total")) - malformedBefore;
    assert.ok(malformed > 0, "malformed frames were counted");

    assertDelivered(fake, r, stopV);
    for (const coin of SYMBOLS) {
      for (const interval of INTERVALS) {
        const key = `${coin}|${interval}`;
        const delivered = got.get(key)!;
        const closedBy = (v: number) => fake.closedCandles(coin, interval, v).length;
        // Backfill: the newest COUNT candles closed (plus the grace) when it was fetched, some
        // time between start and `backfilled()`; `assertDelivered` saw every later one arrive.
        const first = fake.closedCandles(coin, interval).findIndex((c) =>
          c.time === delivered[0].time
        );
        const lo = closedBy(startV - GRACE) - COUNT;
        const hi = closedBy(backV - GRACE) - COUNT;
        assert.ok(first >= lo && first <= hi, `${key}: backfill from #${first}, not ${lo}–${hi}`);
        if (interval === "1m") {
          const expected = closedBy(stopV - GRACE) - first;
          assert.ok(expected >= COUNT + 40, `${key}: live 1m ran (${expected})`);
        }
      }
    }

    // Funding and open interest flowed: live snapshots, and candles annotated with them.
    for (const coin of SYMBOLS) {
      const snaps = perps.filter((p) => p.symbol === coin);
      assert.ok(snaps.length > 10, `${coin}: ${snaps.length} perp snapshots`);
      assert.ok(snaps.every((s) => Number.isFinite(s.fundingRate) && s.openInterest > 0));
      // Live 1m candles carry the snapshot taken nearest their close whenever one within the
      // live window was known at delivery (also when delivered late, after an outage); every
      // one carries a funding rate (the recorded settlement otherwise).
      const liveOneMinute = got.get(`${coin}|1m`)!.slice(COUNT);
      let withOi = 0;
      for (const c of liveOneMinute) {
        const close = nextOpenTime("1m", c.time);
        const at = new Date(c.time).toISOString();
        assert.ok(Number.isFinite(c.fundingRate), `${coin} 1m ${at}: funding ${c.fundingRate}`);
        const known = perps.slice(0, seen.get(c)!.perps).filter((p) => p.symbol === coin);
        const near = (w: number) => known.filter((p) => Math.abs(p.time - close) <= w);
        if (c.openInterest !== undefined) {
          withOi++;
          assert.ok(
            near(LIVE_WINDOW).some((p) =>
              p.openInterest === c.openInterest && p.fundingRate === c.fundingRate
            ),
            `${coin} 1m ${at}: OI ${c.openInterest} is not from a snapshot near the close`,
          );
        } else {
          assert.equal(
            near(LIVE_WINDOW - SNAPSHOT_SAMPLING).length,
            0,
            `${coin} 1m ${at}: no OI although a snapshot near its close was known`,
          );
        }
      }
      assert.ok(
        withOi >= liveOneMinute.length / 2,
        `${coin}: ${withOi}/${liveOneMinute.length} live 1m candles carry OI`,
      );
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

Deno.test("hyperliquid provider: with the WebSocket down for good, REST delivers each candle as it closes", async () => {
  const fake = FakeHyperliquid.start({
    speed: SPEED,
    tickMs: 5,
    ctxEveryMs: 50,
    weightPerMinute: 100_000,
    seed: 11,
  });
  const provider = providerFor(fake, { subscriptionsPerConnection: 4 });
  const r = recorder(fake);
  try {
    await provider.start(r.sink);
    await provider.backfilled();
    // The venue's WebSocket goes away and refuses every reconnect; REST keeps answering.
    fake.faults.downForMs = 3_600_000;
    fake.dropAll();
    const downV = fake.now();
    await new Promise((res) => setTimeout(res, 1_500));
    const stopV = fake.now();
    await settle(fake, r, stopV);
    const connections = fake.connections().connections;
    await provider.stop();

    assert.equal(connections, 0, "no WebSocket was up");
    assert.ok(fake.stats.wsRefused >= 1, "reconnects were refused");
    assertDelivered(fake, r, stopV);
    for (const coin of SYMBOLS) {
      const after = r.got.get(`${coin}|1m`)!.filter((c) => c.time >= downV);
      assert.ok(
        after.length >= 10,
        `${coin} 1m: ${after.length} candles while the stream was down`,
      );
    }
  } finally {
    await provider.stop();
    await fake.close();
  }
});

Deno.test("hyperliquid provider: a silent but open connection is replaced and what closed meanwhile is backfilled", async () => {
  // The relay lets the fake stall connections: no frame, pong, close frame or FIN passes any
  // more, as on a half-open TCP connection, so `onclose` never fires for them.
  const fake = FakeHyperliquid.start({
    speed: SPEED,
    tickMs: 5,
    ctxEveryMs: 50,
    weightPerMinute: 100_000,
    seed: 13,
    relay: true,
  });
  const provider = providerFor(fake, { subscriptionsPerConnection: 4, deadAfterMs: 500 });
  const r = recorder(fake);
  try {
    await provider.start(r.sink);
    await provider.backfilled();
    await new Promise((res) => setTimeout(res, 300));
    const opened = fake.stats.wsConnections;
    fake.stall();
    const stallV = fake.now();
    await new Promise((res) => setTimeout(res, 2_000));
    const stopV = fake.now();
    await settle(fake, r, stopV);
    const health = provider.health();
    await provider.stop();

    assert.equal(fake.stats.stalled, 3, "every connection was stalled");
    assert.ok(
      fake.stats.wsConnections >= opened + 3,
      `every stalled connection was replaced (${fake.stats.wsConnections - opened} new)`,
    );
    assert.ok(health.ok, health.detail);
    assertDelivered(fake, r, stopV);
    for (const coin of SYMBOLS) {
      const after = r.got.get(`${coin}|1m`)!.filter((c) => c.time >= stallV);
      assert.ok(after.length >= 15, `${coin} 1m: ${after.length} candles after the stall`);
    }
  } finally {
    await provider.stop();
    await fake.close();
  }
});

/** A small provider (2 symbols × 2 intervals) against `fake`, for the stop() tests. */
function smallProvider(fake: FakeHyperliquid, options: Record<string, unknown>) {
  return new HyperliquidProvider({
    config: buildConfig({
      symbols: SYMBOLS,
      intervals: ["1m", "5m"],
      historical_candle_count: 5,
    }),
    options: { weightPerMinute: 100_000, ...options },
    env: (n) => ({ HYPERLIQUID_API_URL: fake.apiUrl, HYPERLIQUID_WS_URL: fake.wsUrl })[n],
    logger: createLogger("test"),
  }, { clock: fake.now });
}

Deno.test({
  name: "hyperliquid provider: stop() leaves no timer, op or resource behind",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const fake = FakeHyperliquid.start({ speed: 60 });
    const p = smallProvider(fake, {});
    await p.start({ candle: () => {} });
    await p.backfilled();
    await new Promise((r) => setTimeout(r, 300));
    await p.stop();
    await fake.close();
  },
});

Deno.test({
  name: "hyperliquid provider: stop() ends waits for the WebSocket send and connection budgets",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    // 6 subscriptions on one connection at 2 messages a minute: a send waits ~30 s.
    const fake = FakeHyperliquid.start({ speed: 60 });
    const p = smallProvider(fake, { wsMessagesPerMinute: 2 });
    await p.start({ candle: () => {} });
    await p.backfilled();
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    await p.stop();
    assert.ok(performance.now() - t0 < 2_500, "stop() did not wait for the budget");
    // One connection a minute: the reconnect after a drop waits for the budget.
    const q = smallProvider(fake, {
      wsConnectionsPerMinute: 1,
      reconnectBaseMs: 1,
      reconnectCapMs: 5,
    });
    await q.start({ candle: () => {} });
    await q.backfilled();
    await new Promise((r) => setTimeout(r, 300));
    q.dropConnections();
    await new Promise((r) => setTimeout(r, 300));
    await q.stop();
    await fake.close();
  },
});
