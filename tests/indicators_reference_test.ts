/**
 * Agreement with TA-Lib's definitions on the long real series (58k 1h and 130k 1m BTC candles),
 * through the CLI's own column function, against implementations that share no code with the
 * plugins (../shared/reference/indicator-libraries.md says how each library relates to TA-Lib):
 *
 * - RSI14: trading-signals (identical to TA-Lib: Wilder with a plain-mean seed).
 * - EMA20/50, ATR14: technicalindicators (identical to TA-Lib).
 * - MACD: technicalindicators (seeds its fast EMA at row 11, TA-Lib at row 25 with the SMA of
 *   close[14..25]; converged after 386 rows) and, from row 33, the TA-Lib algorithm written out
 *   in this file as plain array passes.
 * - Bollinger: trading-signals and a two-pass population σ in this file. Both are exact; TA-Lib's
 *   running sums differ from an exact σ by up to 9e-8 relative on 1m BTC (the doc's
 *   measurement), so agreeing with the exact value to 1e-9 keeps us within the 1e-7 asked of
 *   agreement with TA-Lib.
 * - OBV: the definition written out here (start at volume[0]) and technicalindicators (starts at
 *   0 from row 1: identical once volume[0] is added).
 * - SuperTrend: the definition on TA-Lib's ATR written out here, and trading-signals (same band
 *   logic on a TradingView-seeded ATR, converged after 273 rows).
 *
 * First rows are TA-Lib's (table in indicator-libraries.md), not whatever the code produces.
 * @module
 */
import assert from "node:assert/strict";
import { atr as tiAtr, ema as tiEma, macd as tiMacd, obv as tiObv } from "technicalindicators";
import { BollingerBands, RSI, SuperTrend } from "trading-signals";
import type { Candle } from "../core/candle.ts";
import { indicatorColumns } from "../cli/indicators.ts";
import { BTC_1H, BTC_1M, loadCandles } from "./data.ts";

type Column = readonly (number | null)[];

/**
 * Asserts `actual` is null before `firstRow`, and from `fromRow` on within `rtol` of `expected`
 * relative to max(|expected|, `scale`) (the scale keeps values that cross zero meaningful).
 */
function assertAgrees(
  label: string,
  actual: Column,
  expected: Column,
  opts: { firstRow: number; fromRow?: number; rtol: number; scale?: (i: number) => number },
): void {
  const { firstRow, rtol } = opts;
  const fromRow = opts.fromRow ?? firstRow;
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < firstRow; i++) {
    assert.equal(actual[i], null, `${label}: row ${i} must be null during warm-up`);
  }
  assert.notEqual(actual[firstRow], null, `${label}: first value must be at row ${firstRow}`);
  let worst = 0;
  let worstRow = -1;
  for (let i = fromRow; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (typeof a !== "number" || typeof e !== "number") {
      assert.fail(`${label}: row ${i}: got ${a}, reference ${e}`);
    }
    const denom = Math.max(Math.abs(e), opts.scale ? opts.scale(i) : 0);
    const err = denom === 0 ? Math.abs(a - e) : Math.abs(a - e) / denom;
    if (!(err <= worst)) {
      worst = err;
      worstRow = i;
    }
  }
  assert.ok(
    worst <= rtol,
    `${label}: worst relative error ${worst} at row ${worstRow} (got ${actual[worstRow]}, ` +
      `reference ${expected[worstRow]}) exceeds ${rtol}`,
  );
}

/** Places a library's output (which starts at `offset`) on the candle rows. */
function aligned(values: readonly number[], offset: number, n: number): (number | null)[] {
  const out: (number | null)[] = new Array(n).fill(null);
  for (let i = 0; i < values.length; i++) out[offset + i] = values[i];
  return out;
}

// ---- references written out from the definitions, as plain array passes --------------------

function emaTalib(x: readonly number[], period: number, start: number, seedFrom: number): number[] {
  // TA-Lib TA_INT_EMA: seed = SMA of x[seedFrom .. seedFrom+period-1], placed at `start`.
  const out = new Array<number>(x.length).fill(NaN);
  const k = 2 / (period + 1);
  let sum = 0;
  for (let i = seedFrom; i < seedFrom + period; i++) sum += x[i];
  let e = sum / period;
  out[start] = e;
  for (let i = start + 1; i < x.length; i++) {
    e = (x[i] - e) * k + e;
    out[i] = e;
  }
  return out;
}

function macdTalib(close: readonly number[]) {
  const slow = emaTalib(close, 26, 25, 0);
  const fast = emaTalib(close, 12, 25, 14); // TA-Lib: fast seeded with SMA(close[14..25])
  const line = close.map((_, i) => (i >= 25 ? fast[i] - slow[i] : NaN));
  const signal = emaTalib(line, 9, 33, 25);
  const n = close.length;
  const m: (number | null)[] = new Array(n).fill(null);
  const s: (number | null)[] = new Array(n).fill(null);
  const h: (number | null)[] = new Array(n).fill(null);
  for (let i = 33; i < n; i++) {
    m[i] = line[i];
    s[i] = signal[i];
    h[i] = line[i] - signal[i];
  }
  return { m, s, h };
}

function atrTalib(c: readonly Candle[], period: number): number[] {
  const out = new Array<number>(c.length).fill(NaN);
  const tr = c.map((b, i) =>
    i === 0 ? NaN : Math.max(
      b.high - b.low,
      Math.abs(b.high - c[i - 1].close),
      Math.abs(b.low - c[i - 1].close),
    )
  );
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += tr[i];
  let a = sum / period;
  out[period] = a;
  for (let i = period + 1; i < c.length; i++) {
    a = (a * (period - 1) + tr[i]) / period;
    out[i] = a;
  }
  return out;
}

function supertrendReference(c: readonly Candle[], period = 10, mult = 3) {
  const atr = atrTalib(c, period);
  const line: (number | null)[] = new Array(c.length).fill(null);
  const dir: (number | null)[] = new Array(c.length).fill(null);
  let fu = NaN;
  let fl = NaN;
  let up = false;
  for (let i = period; i < c.length; i++) {
    const hl2 = (c[i].high + c[i].low) / 2;
    const bu = hl2 + mult * atr[i];
    const bl = hl2 - mult * atr[i];
    if (i === period) {
      fu = bu;
      fl = bl;
      up = c[i].close > bu;
    } else {
      const pc = c[i - 1].close;
      fu = bu < fu || pc > fu ? bu : fu;
      fl = bl > fl || pc < fl ? bl : fl;
      up = up ? !(c[i].close < fl) : c[i].close > fu;
    }
    line[i] = up ? fl : fu;
    dir[i] = up ? 1 : -1;
  }
  return { line, dir };
}

function bollingerTwoPass(close: readonly number[], period = 20, k = 2) {
  const n = close.length;
  const u: (number | null)[] = new Array(n).fill(null);
  const m: (number | null)[] = new Array(n).fill(null);
  const l: (number | null)[] = new Array(n).fill(null);
  for (let i = period - 1; i < n; i++) {
    let s = 0;
    for (let j = i - period + 1; j <= i; j++) s += close[j];
    const mean = s / period;
    let ss = 0;
    for (let j = i - period + 1; j <= i; j++) ss += (close[j] - mean) ** 2;
    const v = ss / period;
    const sd = v < 1e-14 ? 0 : Math.sqrt(v);
    u[i] = mean + k * sd;
    m[i] = mean;
    l[i] = mean - k * sd;
  }
  return { u, m, l };
}

function obvReference(c: readonly Candle[]): number[] {
  const out = new Array<number>(c.length);
  let v = c[0].volume;
  out[0] = v;
  for (let i = 1; i < c.length; i++) {
    if (c[i].close > c[i - 1].close) v += c[i].volume;
    else if (c[i].close < c[i - 1].close) v -= c[i].volume;
    out[i] = v;
  }
  return out;
}

const nanToNull = (xs: readonly number[]) => xs.map((x) => (Number.isNaN(x) ? null : x));

// ---- the checks, on both series ------------------------------------------------------------

for (const [name, file] of [["BTC 1h", BTC_1H], ["BTC 1m", BTC_1M]] as const) {
  Deno.test(`indicators agree with TA-Lib definitions on ${name}`, async (t) => {
    const candles = loadCandles(file);
    assert.ok(candles.length > 50_000, `${name}: expected the long series, got ${candles.length}`);
    const n = candles.length;
    const close = candles.map((c) => c.close);
    const high = candles.map((c) => c.high);
    const low = candles.map((c) => c.low);
    const volume = candles.map((c) => c.volume);
    const cols = indicatorColumns(candles);

    await t.step("RSI14 vs trading-signals", () => {
      const rsi = new RSI(14);
      const ref = close.map((x) => rsi.update(x, false));
      assertAgrees("rsi14", cols.rsi14, ref, { firstRow: 14, rtol: 1e-9 });
    });

    await t.step("EMA20/EMA50 vs technicalindicators", () => {
      const e20 = aligned(tiEma({ period: 20, values: close }), 19, n);
      const e50 = aligned(tiEma({ period: 50, values: close }), 49, n);
      assertAgrees("ema20", cols.ema20, e20, { firstRow: 19, rtol: 1e-9 });
      assertAgrees("ema50", cols.ema50, e50, { firstRow: 49, rtol: 1e-9 });
    });

    await t.step("MACD vs TA-Lib's algorithm written out, and technicalindicators", () => {
      const ref = macdTalib(close);
      // MACD values cross zero; judge them relative to the price level they are made of.
      const scale = (i: number) => close[i] * 1e-3;
      assertAgrees("macd", cols.macd, ref.m, { firstRow: 33, rtol: 1e-9, scale });
      assertAgrees("macd_signal", cols.macd_signal, ref.s, { firstRow: 33, rtol: 1e-9, scale });
      assertAgrees("macd_hist", cols.macd_hist, ref.h, { firstRow: 33, rtol: 1e-9, scale });
      const ti = tiMacd({
        values: close,
        fastPeriod: 12,
        slowPeriod: 26,
        signalPeriod: 9,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
      });
      const tiLine = aligned(ti.map((r) => r.MACD as number), 25, n);
      const tiSignal = aligned(ti.map((r) => r.signal ?? NaN), 25, n);
      // technicalindicators seeds its fast EMA differently: equal only after 386 rows.
      const opts = { firstRow: 33, fromRow: 386, rtol: 1e-9, scale };
      assertAgrees("macd vs technicalindicators", cols.macd, tiLine, opts);
      assertAgrees("macd_signal vs technicalindicators", cols.macd_signal, tiSignal, opts);
      // ... and really differs early, which is what makes the TA-Lib seeding visible.
      const early = Math.abs((cols.macd[33] as number) - (tiLine[33] as number));
      assert.ok(early > 1e-6, `MACD at row 33 should differ from an EMA12−EMA26 line: ${early}`);
    });

    await t.step("Bollinger vs trading-signals and a two-pass σ", () => {
      const ref = bollingerTwoPass(close);
      assertAgrees("bb_upper", cols.bb_upper, ref.u, { firstRow: 19, rtol: 1e-9 });
      assertAgrees("bb_middle", cols.bb_middle, ref.m, { firstRow: 19, rtol: 1e-9 });
      assertAgrees("bb_lower", cols.bb_lower, ref.l, { firstRow: 19, rtol: 1e-9 });
      const bb = new BollingerBands(20, 2);
      const ts = close.map((x) => bb.update(x, false));
      const up = ts.map((r) => r?.upper ?? null);
      const lo = ts.map((r) => r?.lower ?? null);
      assertAgrees("bb_upper vs trading-signals", cols.bb_upper, up, { firstRow: 19, rtol: 1e-9 });
      assertAgrees("bb_lower vs trading-signals", cols.bb_lower, lo, { firstRow: 19, rtol: 1e-9 });
    });

    await t.step("ATR14 vs technicalindicators and the definition", () => {
      const ti = aligned(tiAtr({ high, low, close, period: 14 }), 14, n);
      assertAgrees("atr14", cols.atr14, ti, { firstRow: 14, rtol: 1e-9 });
      assertAgrees("atr14 (definition)", cols.atr14, nanToNull(atrTalib(candles, 14)), {
        firstRow: 14,
        rtol: 1e-12,
      });
    });

    await t.step("OBV vs the definition and technicalindicators + volume[0]", () => {
      const ref = obvReference(candles);
      assert.deepEqual(cols.obv, ref, "obv must equal the TA-Lib accumulation exactly");
      const ti = tiObv({ close, volume });
      const shifted = aligned(ti.map((v) => v + volume[0]), 1, n);
      shifted[0] = volume[0];
      // A cumulative sum crosses zero: judge it against the volume it has accumulated.
      const cum: number[] = [];
      volume.reduce((s, v, i) => (cum[i] = s + v), 0);
      assertAgrees("obv vs technicalindicators", cols.obv, shifted, {
        firstRow: 0,
        rtol: 1e-9,
        scale: (i) => cum[i],
      });
    });

    await t.step("SuperTrend vs the definition and trading-signals", () => {
      const ref = supertrendReference(candles);
      assertAgrees("supertrend", cols.supertrend, ref.line, { firstRow: 10, rtol: 1e-9 });
      assert.deepEqual(cols.supertrend_dir, ref.dir, "supertrend_dir must match the definition");
      const st = new SuperTrend({ interval: 10, multiplier: 3 });
      const ts = candles.map((c) => st.update(c, false));
      const tsLine = ts.map((r) => r?.supertrend ?? null);
      const tsDir = ts.map((r) => (r === null ? null : r.trend === "BULLISH" ? 1 : -1));
      assertAgrees("supertrend vs trading-signals", cols.supertrend, tsLine, {
        firstRow: 10,
        fromRow: 273,
        rtol: 1e-9,
      });
      assert.deepEqual(cols.supertrend_dir.slice(273), tsDir.slice(273));
      const flips = cols.supertrend_dir.filter((d, i) =>
        i > 10 && d !== cols.supertrend_dir[i - 1]
      );
      assert.ok(flips.length > 100, `SuperTrend must flip on ${name}: ${flips.length} flips`);
    });
  });
}
