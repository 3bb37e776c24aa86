/**
 * The indicators' own guard against bad bars. The engine validates candles before feeding them,
 * but a plugin state is also used directly (batch runs, tests, other callers), and one NaN or
 * out-of-order bar would silently poison every later value. The check is a single combined
 * comparison on the fast path; the message is built only on failure.
 * @module
 */
import { type Candle, CandleError, candleProblem } from "perptrix";

/** True when `c` has usable prices and volume and comes after `lastTime`. */
export function usableCandle(c: Candle, lastTime: number): boolean {
  return c !== null && c !== undefined && c.time > lastTime && c.low > 0 && c.high >= c.low &&
    c.high < Infinity &&
    c.close >= c.low && c.close <= c.high && c.volume >= 0 && c.volume < Infinity;
}

/** The error for a bar {@linkcode usableCandle} rejected; `who` names the indicator. */
export function candleRejection(c: Candle, lastTime: number, who: string): CandleError {
  const problem = c === null || typeof c !== "object" ? "candle is not an object" : (
    candleProblem(c) ??
      `time ${c.time} is not after the previous candle's ${lastTime}`
  );
  return new CandleError(`${who}: ${problem}; state left unchanged`);
}
