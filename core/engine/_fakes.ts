/**
 * Scriptable fake indicators and categories for the engine's unit tests: the engine is written
 * against the plugin contracts, so tests drive it with plugins whose every output is chosen.
 * @module
 */
import { z } from "zod";
import type { Candle } from "../candle.ts";
import { type Category, defineCategory } from "../category.ts";
import type { Indicator, IndicatorSignal, IndicatorState } from "../indicator.ts";

/** State of a scripted indicator: the candles seen so far. */
export interface ScriptState extends IndicatorState {
  /** Every candle fed, oldest first; the judge sees the last one. */
  readonly candles: Candle[];
}

/**
 * The states a scripted indicator declares unless told otherwise: the generic ones the engine's
 * tests and benches script (`S`, `S-2` … `S2`, `Neutral`). The engine refuses any other state.
 */
export const SCRIPTED_STATES: readonly string[] = Object.freeze([
  "Scripted",
  "Neutral",
  "S",
  "S-2",
  "S-1",
  "S0",
  "S1",
  "S2",
]);

/**
 * Builds an indicator whose signal is `judge(last candle, count)`; values: `{ range }`. The
 * judge's states must be among `states`.
 */
export function scriptedIndicator(
  id: string,
  category: string,
  judge: (c: Candle, count: number) => IndicatorSignal,
  warmup = 1,
  states: readonly string[] = SCRIPTED_STATES,
): Indicator<{ k: number }, ScriptState> {
  return {
    kind: "indicator",
    id,
    category,
    description: `scripted ${id}`,
    params: z.object({ k: z.number().int().min(0).default(1) }).strict(),
    outputs: ["range"],
    states,
    warmup: () => warmup,
    create(): ScriptState {
      const candles: Candle[] = [];
      return {
        candles,
        get count() {
          return candles.length;
        },
        update(c: Candle) {
          candles.push(c);
        },
        values() {
          const c = candles.at(-1);
          return { range: c === undefined ? null : c.high - c.low };
        },
      };
    },
    evaluate(s) {
      return judge(s.candles[s.candles.length - 1], s.candles.length);
    },
  };
}

/** A category with the given clamp and weight, summing its members. */
export function fakeCategory(
  id: string,
  clamp: [number, number],
  weight: number,
  combine?: Category["combine"],
): Category {
  return defineCategory({ id, description: `fake ${id}`, clamp, weight, combine });
}

/** The five seed categories with their seed clamps and weights. */
export function seedCategories(): Category[] {
  return [
    fakeCategory("momentum", [-3, 3], 0.25),
    fakeCategory("trend", [-3, 3], 0.30),
    fakeCategory("volatility", [-2, 2], 0.15),
    fakeCategory("volume", [-2, 2], 0.15),
    fakeCategory("perp", [-2, 2], 0.15),
  ];
}

/** A candle at `i` minutes with close `close` and a range of 2 % of the close. */
export function candleAt(i: number, close = 100, extra: Partial<Candle> = {}): Candle {
  return {
    time: i * 60_000,
    open: close,
    high: close * 1.01,
    low: close * 0.99,
    close,
    volume: 10,
    ...extra,
  };
}
