/**
 * Hand-built candle series for the indicator unit tests: the expected values and states of a
 * test follow from how the bars are built, never from the code under test.
 * @module
 */
import type { Candle, Indicator, IndicatorSignal, IndicatorState } from "perptrix";

/** Options for {@linkcode bars}. */
export interface BarOptions {
  /** Added above max(open, close) and below min(open, close); default 0 (bodies only). */
  wick?: number;
  /** One volume for every bar, or one per bar; default 1. */
  volume?: number | readonly number[];
  /** Open time of the first bar, epoch ms; bars are one minute apart. */
  start?: number;
}

/** Bars whose closes are `closes`; each opens at the previous close (the first at its close). */
export function bars(closes: readonly number[], opts: BarOptions = {}): Candle[] {
  const wick = opts.wick ?? 0;
  const start = opts.start ?? 1_700_000_000_000;
  return closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1];
    const v = opts.volume ?? 1;
    return {
      time: start + i * 60_000,
      open,
      high: Math.max(open, close) + wick,
      low: Math.min(open, close) - wick,
      close,
      volume: typeof v === "number" ? v : v[i],
    };
  });
}

/** `n` copies of `x`. */
export function repeat<T>(x: T, n: number): T[] {
  return new Array(n).fill(x);
}

/** `n` values from `from` in steps of `step`. */
export function ramp(from: number, step: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i * step);
}

/** Feeds `candles` into a fresh state; returns the state and the signal after every bar. */
export function play<P, S extends IndicatorState>(
  indicator: Indicator<P, S>,
  candles: readonly Candle[],
  params: Partial<P> = {},
): { state: S; params: P; signals: IndicatorSignal[]; states: string[] } {
  const p = indicator.params.parse(params);
  const state = indicator.create(p);
  const signals: IndicatorSignal[] = [];
  for (const c of candles) {
    state.update(c);
    signals.push(indicator.evaluate(state, p));
  }
  return { state, params: p, signals, states: signals.map((s) => s.state) };
}

/** Indices where `states[i] === name`. */
export function where(states: readonly string[], name: string): number[] {
  const out: number[] = [];
  states.forEach((s, i) => s === name && out.push(i));
  return out;
}
