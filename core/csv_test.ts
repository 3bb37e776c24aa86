import assert from "node:assert/strict";
import type { Candle } from "./candle.ts";
import {
  candleInterval,
  candleLine,
  CandleTimeError,
  CsvError,
  parseCandlesCsv,
  parseDecimal,
  parseFundingCsv,
} from "./csv.ts";

const HEADER = "time,open,high,low,close,volume\n";

Deno.test("csv: numbers in another base are refused with their line and column", () => {
  const cases: [string, RegExp][] = [
    [
      HEADER + "1,10,11,9,10,5\n2,10,11,9,10,0x10\n",
      /line 3: volume "0x10" is not a decimal number \(column 6;/,
    ],
    [HEADER + "1,0b1010,11,9,10,5\n", /line 2: open "0b1010" is not a decimal number \(column 2;/],
    [HEADER + "1,10,11,9,0o12,5\n", /line 2: close "0o12" is not a decimal number \(column 5;/],
    [HEADER + "0X1,10,11,9,10,5\n", /line 2: time "0X1" is not a decimal number \(column 1;/],
    [HEADER + "1, 0x10 ,11,9,10,5\n", /line 2: open " 0x10 " is not a decimal number/],
    // Columns are counted in the file, not in the candle: here close is the 2nd column.
    [
      "time,close,open,high,low,volume\n1,0x0a,10,11,9,5\n",
      /line 2: close "0x0a" is not a decimal number \(column 2;/,
    ],
    [HEADER + "1,10,11,9,Infinity,5\n", /line 2: close "Infinity" is not a finite number/],
    [HEADER + "1,10,11,9,1_0,5\n", /line 2: close "1_0" is not a finite number \(column 5\)/],
    [HEADER + "1,10,11,9,,5\n", /line 2: close is empty \(column 5\)/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseCandlesCsv(text),
      (e) => e instanceof CsvError && re.test(e.message),
      text,
    );
  }
  assert.throws(
    () => parseFundingCsv("time,rate\n1,0x1\n"),
    /line 2: rate "0x1" is not a decimal number \(column 2;/,
  );
  assert.throws(
    () => parseFundingCsv("time,rate\n0b11,0.0001\n"),
    /line 2: time "0b11" is not a decimal number \(column 1;/,
  );
});

Deno.test("csv: decimal and scientific notation are read as before", () => {
  const c = parseCandlesCsv(
    HEADER + "1,10,11,9,10,5\n2,1e1,1.1E1,+9.,.95e1,0\n3, 10 ,11\t,9,10,5.0e-3\r\n",
  );
  assert.deepEqual(c.map((x) => [x.time, x.open, x.high, x.low, x.close, x.volume]), [
    [1, 10, 11, 9, 10, 5],
    [2, 10, 11, 9, 9.5, 0],
    [3, 10, 11, 9, 10, 0.005],
  ]);
  assert.deepEqual(parseFundingCsv("time,rate\n0,-1.25e-4\n3600000,+0.0001\n"), [
    { time: 0, rate: -0.000125, periodHours: 1 },
    { time: 3_600_000, rate: 0.0001, periodHours: 1 },
  ]);
});

Deno.test("parseDecimal: decimal or scientific only", () => {
  for (const [s, n] of [["12", 12], ["-1.5", -1.5], ["+.5", 0.5], ["5.", 5], ["1e3", 1000]]) {
    assert.equal(parseDecimal(s as string), n, s as string);
  }
  assert.equal(parseDecimal(" 7 "), 7);
  assert.equal(parseDecimal("1e999"), Infinity);
  for (const s of ["0x10", "0b1", "0o7", "", " ", "1_000", "Infinity", "1e", ".", "-", "1,5"]) {
    assert.ok(Number.isNaN(parseDecimal(s)), JSON.stringify(s));
  }
});

const T0 = 1_725_447_600_000; // 2024-09-04T11:00Z
const H = 3_600_000;

function at(...times: number[]): Candle[] {
  return times.map((time) => ({ time, open: 1, high: 1, low: 1, close: 1, volume: 0 }));
}

Deno.test("candleInterval: a given interval must fit every spacing (gaps of whole candles pass)", () => {
  const hourly = at(T0, T0 + H, T0 + 2 * H, T0 + 5 * H, T0 + 6 * H);
  assert.equal(candleInterval(hourly), "1h");
  assert.equal(candleInterval(hourly, "1h"), "1h");
  assert.throws(
    () => candleInterval(hourly, "1d"),
    (e) =>
      e instanceof CandleTimeError &&
      e.message.startsWith("lines 2 and 3: candles 3600000 ms (1h) apart, below the interval 1d"),
  );
  assert.throws(
    () => candleInterval(hourly, "30m"),
    /no two consecutive candles are 30m apart \(the closest are 3600000 ms = 1h apart, lines 2 and 3\)/,
  );
  const odd = at(T0, T0 + H, T0 + 2.5 * H, T0 + 3.5 * H);
  assert.throws(
    () => candleInterval(odd, "1h"),
    /lines 3 and 4: candles 5400000 ms \(1h30m\) apart, not a whole multiple of the interval 1h/,
  );
  assert.throws(() => candleInterval(odd), /lines 3 and 4: .*not a whole multiple/);
  // Line numbers come from the caller when the file has blank lines.
  assert.throws(() => candleInterval(odd, "1h", (i) => 10 * i), /lines 10 and 20:/);
  // One candle or none: nothing to contradict a given interval; nothing to infer from.
  assert.equal(candleInterval(at(T0), "1d"), "1d");
  assert.equal(candleInterval([], "1h"), "1h");
  assert.throws(() => candleInterval(at(T0)), /< 2 candles/);
  assert.throws(() => candleInterval(at(T0, T0 + 7000)), /median spacing 7000 ms = 7s/);
});

Deno.test("candleInterval: times must be plausible epoch milliseconds", () => {
  const s = T0 / 1000;
  assert.throws(
    () => candleInterval(at(s, s + 3600), "1h"),
    /line 2: time 1725447600 is not epoch milliseconds \(below 1e11 ms.*looks like seconds/,
  );
  assert.throws(() => candleInterval(at(s, s + 3600)), /looks like seconds/);
  const us = T0 * 1000;
  assert.throws(
    () => candleInterval(at(us, us + H * 1000), "1h"),
    /line 3: time 1725451200000000 is not epoch milliseconds \(at or above 1e14 ms.*micro/,
  );
  assert.equal(candleInterval(at(1e11, 1e11 + 60_000)), "1m");
  assert.throws(() => candleInterval(at(1e14 - H, 1e14)), /at or above 1e14/);
  // The parser itself refuses nanoseconds (beyond 2^53) with the same hint.
  assert.throws(
    () => parseCandlesCsv(HEADER + `${T0}000000,1,1,1,1,1\n`),
    /line 2: time 1725447600000000000 is not epoch milliseconds .*nanoseconds/,
  );
});

Deno.test("candleInterval: 1M candles open calendar months", () => {
  const months = [0, 1, 2, 4].map((m) => Date.UTC(2024, m, 1));
  assert.equal(candleInterval(at(...months), "1M"), "1M");
  assert.throws(
    () => candleInterval(at(months[0], months[1] + H), "1M"),
    /line 3: time \d+ \(2024-02-01T01:00:00.000Z\) does not open a calendar month/,
  );
  assert.throws(
    () => candleInterval(at(months[0], months[2]), "1M"),
    /no two consecutive candles are 1M apart/,
  );
});

Deno.test("candleLine counts lines as the parser does (blank lines skipped)", () => {
  const text = HEADER + "1,1,1,1,1,1\n\n\r\n2,1,1,1,1,1\r\n3,1,1,1,1,1";
  assert.equal(parseCandlesCsv(text).length, 3);
  assert.deepEqual([0, 1, 2].map((i) => candleLine(text, i)), [2, 5, 6]);
});
