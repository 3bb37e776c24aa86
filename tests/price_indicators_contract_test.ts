/**
 * What every one of the seven price indicators promises the engine, checked the same way for
 * each: default parameters parse, values have exactly the declared keys (null in warm-up, never
 * NaN), evaluate only returns declared states and is pure, a flat market is defined, and a bad
 * or out-of-order bar is rejected with a CandleError that leaves the state untouched.
 * @module
 */
import assert from "node:assert/strict";
import { type Candle, CandleError, type Indicator } from "../mod.ts";
import macd from "../plugins/indicators/macd.ts";
import rsi from "../plugins/indicators/rsi.ts";
import emaCross from "../plugins/indicators/ema_cross.ts";
import supertrend from "../plugins/indicators/supertrend.ts";
import bollinger from "../plugins/indicators/bollinger.ts";
import atr from "../plugins/indicators/atr.ts";
import obv from "../plugins/indicators/obv.ts";
import { BTC_1H, loadCandles } from "./data.ts";

const SEVEN: Indicator[] = [macd, rsi, emaCross, supertrend, bollinger, atr, obv];
const candles = loadCandles(BTC_1H).slice(0, 3000);

const flat = (n: number): Candle[] =>
  Array.from({ length: n }, (_, i) => ({
    time: i + 1,
    open: 50,
    high: 50,
    low: 50,
    close: 50,
    volume: 2,
  }));

for (const ind of SEVEN) {
  Deno.test(`${ind.id}: contract`, async (t) => {
    const p = ind.params.parse({});

    await t.step("values: declared keys, null then numbers, never NaN", () => {
      const s = ind.create(p);
      const warm = ind.warmup(p);
      candles.forEach((c, i) => {
        s.update(c);
        assert.equal(s.count, i + 1);
        const v = s.values();
        assert.deepEqual(Object.keys(v), [...ind.outputs]);
        for (const [k, x] of Object.entries(v)) {
          assert.ok(x === null || Number.isFinite(x), `${k} = ${x} at bar ${i}`);
        }
        // Warm-up is the bars needed before the indicator's values exist: some output is still
        // null before it, and from then on the values are there (longer look-backs, like the
        // ATR regime ratio, may take more bars).
        const defined = Object.values(v).filter((x) => x !== null).length;
        if (i + 1 < warm) assert.ok(defined < ind.outputs.length, `all defined at bar ${i}`);
        else assert.ok(defined > 0, `nothing defined at bar ${i} (warm-up ${warm})`);
      });
    });

    await t.step("evaluate: declared states, integer scores, pure", () => {
      const s = ind.create(p);
      const seen = new Set<string>();
      for (const c of candles) {
        s.update(c);
        const a = ind.evaluate(s, p);
        const b = ind.evaluate(s, p);
        assert.equal(a, b, "the same state gives the same (shared, frozen) signal");
        assert.ok(Object.isFrozen(a));
        assert.ok(ind.states.includes(a.state), `undeclared state ${a.state}`);
        assert.ok(Number.isInteger(a.score) && Math.abs(a.score) <= 2);
        seen.add(a.state);
      }
      assert.ok(seen.size >= 3, `only ${[...seen]} on 3000 real bars`);
    });

    await t.step("a flat market gives defined values", () => {
      const s = ind.create(p);
      for (const c of flat(400)) s.update(c);
      for (const [k, x] of Object.entries(s.values())) {
        assert.ok(Number.isFinite(x), `${k} = ${x} in a flat market`);
      }
      assert.ok(ind.states.includes(ind.evaluate(s, p).state));
    });

    await t.step("bad and out-of-order bars throw CandleError and change nothing", () => {
      const s = ind.create(p);
      for (const c of candles.slice(0, 200)) s.update(c);
      const before = JSON.stringify([s.count, s.values(), ind.evaluate(s, p)]);
      const last = candles[199];
      const next = { ...candles[200] };
      const bad: Candle[] = [
        { ...next, close: NaN },
        { ...next, high: Infinity },
        { ...next, low: -1 },
        { ...next, high: next.low - 1 },
        { ...next, volume: -5 },
        { ...next, volume: NaN },
        { ...next, time: last.time },
        { ...next, time: last.time - 60_000 },
        null as unknown as Candle,
      ];
      for (const c of bad) {
        assert.throws(() => s.update(c), CandleError, JSON.stringify(c));
        assert.equal(JSON.stringify([s.count, s.values(), ind.evaluate(s, p)]), before);
      }
      s.update(next);
      assert.equal(s.count, 201);
    });
  });
}
