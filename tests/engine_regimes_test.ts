/**
 * Direction distributions on labelled market regimes (../shared/data/regimes), for the default
 * (integer) and the weighted profile.
 *
 * Reference point: over long mixed series the engine is balanced — BTC 1m May–Aug 2025 gives
 * Short/Long ≈ 1.02 and BTC perp 5m 2023–24 ≈ 0.96 (checked below on the 1m series), with about
 * half of all candles Neutral. Against that, the thresholds below say:
 * - crash days (each file's named UTC day, after warm-up on the preceding day): Shorts outnumber
 *   Longs on every one; on the days the price fell ≥ 14 % (2020-03-12, 2021-05-19, the FTX days)
 *   by at least 1.3×. The measured ratios are 1.14–11.9; the weakest, 2024-08-05 (−7 % with an
 *   intraday V-recovery), is only asked for a majority.
 * - the LUNA week (−27 %) and the 2026 downtrend (−24 %): Short/Long ≥ 1.4 (measured 1.60–1.84).
 * - the 2024 uptrend (+22 %): Long/Short ≥ 1.4 (measured 1.65–1.67).
 * - the 2023 sideways week (±0 %): neither side outnumbers the other by more than 1.3×
 *   (measured 1.14–1.15).
 * - everywhere: every direction occurs and Neutral is 30–70 % (the ±3 of ±12 dead-band), so no
 *   regime pins the engine to one answer.
 * Each slice's own price change is asserted first, so a mislabelled file cannot pass silently.
 */
import assert from "node:assert/strict";
import { SignalEngine } from "../core/engine/engine.ts";
import type { Interval } from "../core/interval.ts";
import { defaultRoots, discover } from "../core/registry.ts";
import type { Direction, SignalRecord } from "../core/signal.ts";
import { BTC_1M, loadCandles } from "./data.ts";

const registry = await discover({
  roots: defaultRoots().filter((r) => r.kind === "indicator" || r.kind === "category"),
});
const engine = new SignalEngine(registry);
const STRATEGIES = [engine.compile("default"), engine.compile("weighted")];
const DAY = 86_400_000;

interface Slice {
  file: string;
  interval: Interval;
  /** UTC day to count, or the whole file after warm-up. */
  day?: string;
  /** Price change over the slice, first to last close: [min, max] in %. */
  move: [number, number];
  check(d: Record<Direction, number>): void;
}

const ratio = (a: number, b: number) => a / Math.max(b, 1);
const shortsAtLeast = (k: number) => (d: Record<Direction, number>) =>
  assert.ok(ratio(d.Short, d.Long) >= k, `Short/Long ${ratio(d.Short, d.Long).toFixed(2)} < ${k}`);
const shortsMajority = (d: Record<Direction, number>) =>
  assert.ok(d.Short > d.Long, `Short ${d.Short} ≤ Long ${d.Long}`);

const SLICES: Slice[] = [
  {
    file: "crash-2020-03-12-binance-btcusdt-spot-5m.csv",
    interval: "5m",
    day: "2020-03-12",
    move: [-40, -14],
    check: shortsAtLeast(1.3),
  },
  {
    file: "crash-2021-05-19-binance-btcusdt-spot-1m.csv",
    interval: "1m",
    day: "2021-05-19",
    move: [-30, -14],
    check: shortsAtLeast(1.3),
  },
  {
    file: "crash-2021-05-19-binance-ethusdt-spot-1m.csv",
    interval: "1m",
    day: "2021-05-19",
    move: [-40, -14],
    check: shortsAtLeast(1.3),
  },
  {
    file: "crash-2022-11-08-ftx-binance-ethusdt-spot-5m.csv",
    interval: "5m",
    day: "2022-11-08",
    move: [-30, -14],
    check: shortsAtLeast(1.3),
  },
  {
    file: "crash-2022-11-08-ftx-binance-ethusdt-spot-5m.csv",
    interval: "5m",
    day: "2022-11-09",
    move: [-30, -14],
    check: shortsAtLeast(1.3),
  },
  {
    file: "crash-2024-08-05-binance-btcusdt-spot-1m.csv",
    interval: "1m",
    day: "2024-08-05",
    move: [-15, -3],
    check: shortsMajority,
  },
  {
    file: "crash-2025-10-10-binance-btcusdt-perp-5m.csv",
    interval: "5m",
    day: "2025-10-10",
    move: [-15, -3],
    check: shortsMajority,
  },
  {
    file: "downtrend-2022-05-05_2022-05-12-luna-binance-btcusdt-spot-5m.csv",
    interval: "5m",
    move: [-35, -15],
    check: shortsAtLeast(1.4),
  },
  {
    file: "downtrend-2026-01-30_2026-02-06-binance-btcusdt-perp-5m.csv",
    interval: "5m",
    move: [-35, -15],
    check: shortsAtLeast(1.4),
  },
  {
    file: "uptrend-2024-02-27_2024-03-05-binance-btcusdt-perp-5m.csv",
    interval: "5m",
    move: [15, 35],
    check: (d) =>
      assert.ok(
        ratio(d.Long, d.Short) >= 1.4,
        `Long/Short ${ratio(d.Long, d.Short).toFixed(2)} < 1.4`,
      ),
  },
  {
    file: "sideways-2023-07-25_2023-08-01-binance-btcusdt-perp-5m.csv",
    interval: "5m",
    move: [-3, 3],
    check: (d) => {
      const r = ratio(Math.max(d.Long, d.Short), Math.min(d.Long, d.Short));
      assert.ok(r <= 1.3, `one side outnumbers the other ${r.toFixed(2)}×`);
    },
  },
];

function distribution(records: SignalRecord[]): Record<Direction, number> {
  const d: Record<Direction, number> = { Long: 0, Short: 0, Neutral: 0 };
  for (const r of records) d[r.direction]++;
  return d;
}

for (const slice of SLICES) {
  Deno.test(`regime ${slice.file}${slice.day ? ` on ${slice.day}` : ""}`, () => {
    const candles = loadCandles(`regimes/${slice.file}`);
    for (const strategy of STRATEGIES) {
      let records = engine.replay("X", slice.interval, strategy, candles);
      if (slice.day !== undefined) {
        const t0 = Date.parse(`${slice.day}T00:00:00Z`);
        records = records.filter((r) => r.time >= t0 && r.time < t0 + DAY);
      }
      const where = `${slice.file} ${slice.day ?? ""} ${strategy.id}`;
      assert.ok(records.length >= 250, `${where}: only ${records.length} records`);
      const move = (records.at(-1)!.price / records[0].price - 1) * 100;
      assert.ok(
        move >= slice.move[0] && move <= slice.move[1],
        `${where}: price moved ${move.toFixed(1)} %`,
      );
      const d = distribution(records);
      const msg = `${where}: ${JSON.stringify(d)}`;
      slice.check(d);
      assert.ok(d.Long > 0 && d.Short > 0, msg);
      const neutral = d.Neutral / records.length;
      assert.ok(neutral >= 0.3 && neutral <= 0.7, `${msg}: Neutral share ${neutral.toFixed(2)}`);
    }
  });
}

Deno.test("reference point: a long mixed series is balanced (Short/Long within 0.85–1.15)", () => {
  const d = distribution(engine.replay("BTC", "1m", STRATEGIES[0], loadCandles(BTC_1M)));
  const r = d.Short / d.Long;
  assert.ok(r >= 0.85 && r <= 1.15, `${JSON.stringify(d)}: ${r.toFixed(2)}`);
});
