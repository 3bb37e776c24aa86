/**
 * WebSocket candle ingestion throughput: parse + validate (zod + candle checks) + apply (close
 * detection, ordering, delivery) of real-data candle frames for ≈200 perps × 4 intervals, through
 * the provider's own `handleFrame`. Target: ≥ 200,000 frames/s in one process.
 *
 * Alternatives measured in the same run:
 * - `JSON.parse only`: the floor; no validation, no routing.
 * - `EventTarget fan-out`: the dispatch model of @nktkas/hyperliquid 0.33.3 (one CustomEvent per
 *   frame, one listener per subscription, each filtering on `s`/`i`), with the same zod
 *   validation in the matching listener — the main reason the README gives for a thin client.
 *
 * Each iteration handles FRAMES frames; frames/s = FRAMES / (time per iteration). A summary line
 * with frames/s is printed once before the benches run.
 */
import { buildConfig } from "../core/config.ts";
import type { Interval } from "../core/interval.ts";
import { nextOpenTime } from "../core/interval.ts";
import { createLogger, setLogLevel } from "../core/log.ts";
import { HyperliquidProvider } from "../providers/hyperliquid/provider.ts";
import { WireCandle } from "../providers/hyperliquid/schemas.ts";
import { loadCandles } from "../tests/data.ts";

setLogLevel("error");

const FRAMES = 20_000;
const INTERVALS: Interval[] = ["1m", "5m", "15m", "1h"];
const meta = JSON.parse(
  Deno.readTextFileSync(
    new URL(
      "../../shared/reference/hyperliquid-samples/rest/go-hyperliquid/info_meta_2025-08-22.response.json",
      import.meta.url,
    ),
  ),
) as { universe: { name: string }[] };
const COINS = meta.universe.map((u) => u.name).slice(0, 200);
const base = loadCandles("hyperliquid-btc-perp-1m-2025-07-21_2025-07-26.csv");

const dec = (x: number) => Number.isInteger(x) ? `${x}.0` : String(x);

/** Real 1m candles replayed as cumulative updates (4 per bucket) for every coin and interval. */
function buildFrames(n: number): string[] {
  const frames: string[] = [];
  const open = new Map<string, { t: number; o: number; h: number; l: number; v: number }>();
  for (let b = 0; frames.length < n; b++) {
    const c = base[b % base.length];
    const cycle = Math.floor(b / base.length) * base.length * 60_000 * 2;
    for (const coin of COINS) {
      for (const interval of INTERVALS) {
        const ms = { "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000 }[
          interval as "1m"
        ];
        const time = c.time + cycle;
        const t = Math.floor(time / ms) * ms;
        const key = `${coin}|${interval}`;
        let a = open.get(key);
        if (a === undefined || a.t !== t) a = { t, o: c.open, h: c.high, l: c.low, v: 0 };
        a.h = Math.max(a.h, c.high);
        a.l = Math.min(a.l, c.low);
        a.v += c.volume;
        open.set(key, a);
        frames.push(JSON.stringify({
          channel: "candle",
          data: {
            t,
            T: nextOpenTime(interval, t) - 1,
            s: coin,
            i: interval,
            o: dec(a.o),
            c: dec(c.close),
            h: dec(a.h),
            l: dec(a.l),
            v: dec(Number(a.v.toFixed(5))),
            n: b,
          },
        }));
      }
    }
  }
  return frames;
}

const frames = buildFrames(FRAMES * 5);
let closed = 0;

async function freshProvider(): Promise<HyperliquidProvider> {
  const p = new HyperliquidProvider({
    config: buildConfig({ symbols: COINS, intervals: INTERVALS }),
    options: {},
    env: () => undefined,
    logger: createLogger("bench"),
  }, { offline: true });
  await p.start({ candle: () => closed++ });
  return p;
}

const provider = await freshProvider();
let cursor = 0;
function nextBatch(): string[] {
  if (cursor + FRAMES > frames.length) cursor = 0;
  const batch = frames.slice(cursor, cursor + FRAMES);
  cursor += FRAMES;
  return batch;
}

// One timed pass over all frames for a printed frames/s figure (warm-up included in the benches).
{
  const p = await freshProvider();
  const t0 = performance.now();
  for (const f of frames) p.handleFrame(f);
  const dt = (performance.now() - t0) / 1000;
  console.log(
    `handleFrame: ${frames.length} frames in ${dt.toFixed(3)} s = ` +
      `${Math.round(frames.length / dt).toLocaleString("en")} frames/s ` +
      `(${COINS.length} coins × ${INTERVALS.length} intervals, ${closed} candles closed)`,
  );
  await p.stop();
}

Deno.bench({
  name: `provider.handleFrame (parse + zod + checks + close detection), ${FRAMES} frames`,
  group: "ws-ingest",
  baseline: true,
  fn() {
    for (const f of nextBatch()) provider.handleFrame(f);
  },
});

Deno.bench({
  name: `JSON.parse only, ${FRAMES} frames`,
  group: "ws-ingest",
  fn() {
    for (const f of nextBatch()) JSON.parse(f);
  },
});

// The SDK model: every frame becomes an event delivered to one listener per subscription.
const target = new EventTarget();
let matched = 0;
for (const coin of COINS) {
  for (const interval of INTERVALS) {
    target.addEventListener("candle", (e) => {
      const d = (e as CustomEvent).detail;
      if (d.s !== coin || d.i !== interval) return;
      if (WireCandle.safeParse(d).success) matched++;
    });
  }
}
Deno.bench({
  name: `EventTarget fan-out to ${COINS.length * INTERVALS.length} listeners + zod, ${
    FRAMES / 20
  } frames (×20 for comparison)`,
  group: "ws-ingest",
  fn() {
    for (const f of nextBatch().slice(0, FRAMES / 20)) {
      const m = JSON.parse(f);
      target.dispatchEvent(new CustomEvent(m.channel, { detail: m.data }));
    }
  },
});
