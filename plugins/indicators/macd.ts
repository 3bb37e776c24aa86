/**
 * MACD (12, 26, 9) computed as TA-Lib computes it, streaming.
 *
 * The slow EMA is seeded with the SMA of the first `slow` closes. TA-Lib does **not** seed the
 * fast EMA at bar `fast - 1`: it starts it at bar `slow - 1` with the SMA of the `fast` closes
 * ending there, so the MACD line is not "EMA12 − EMA26" computed separately (the difference
 * decays with α = 2/(fast+1)). The signal line is the EMA of the line, seeded with the SMA of its
 * first `signal` values; line, signal and histogram are all published from bar
 * `slow + signal − 2` on (row 33 with the defaults).
 *
 * States (perptrix-behaviour.md §2.2, scores §3.1): BullishCross +2, BearishCross −2 (the line
 * crosses the signal line), BullishMomentum +1 (line above 0 and rising), BearishMomentum −1,
 * Neutral 0 (also during warm-up and on the first published bar, which has no previous pair).
 * @module
 */
import {
  type Candle,
  type CandleColumns,
  defineIndicator,
  type IndicatorSignal,
  type IndicatorValues,
  type ValueColumns,
  z,
} from "perptrix";
import { SmaSeededEma } from "./_ema.ts";
import { frozenSignal } from "./_frozen_signal.ts";
import { nullIfNaN } from "./_warmup_values.ts";
import { candleRejection, usableCandle } from "./_candle_guard.ts";
import { batchRow, loadRow } from "./_batch_row.ts";

/** MACD parameters; `fast` must be shorter than `slow`. */
export const MacdParams = z.object({
  fast: z.number().int().min(2).max(1000).default(12),
  slow: z.number().int().min(3).max(1000).default(26),
  signal: z.number().int().min(1).max(1000).default(9),
}).refine((p) => p.fast < p.slow, { message: "fast must be shorter than slow", path: ["fast"] });

/** Parsed MACD parameters. */
export type MacdParams = z.infer<typeof MacdParams>;

/** Streaming MACD state for one (symbol, interval). */
export class MacdState {
  /** Bars fed. */
  count = 0;
  /** MACD line, NaN until published. */
  line = NaN;
  /** Signal line, NaN until published. */
  signal = NaN;
  /** line − signal, NaN until published. */
  hist = NaN;
  /** Line and signal of the previous bar (NaN when it had none): the cross rules need both. */
  prevLine = NaN;
  /** See {@linkcode prevLine}. */
  prevSignal = NaN;
  #fast: SmaSeededEma;
  #slow: SmaSeededEma;
  #sig: SmaSeededEma;
  #seedWindow: Float64Array; // the last `fast` closes, only until the fast EMA is seeded
  #lastTime = -Infinity;

  /** The parameters this state was created with. */
  readonly params: MacdParams;

  // Not a parameter property: that would run every field initializer after an `undefined`
  // definition, so V8 would keep the numeric fields tagged (a heap number per store).
  constructor(params: MacdParams) {
    this.params = params;
    this.#fast = new SmaSeededEma(params.fast);
    this.#slow = new SmaSeededEma(params.slow);
    this.#sig = new SmaSeededEma(params.signal);
    this.#seedWindow = new Float64Array(params.fast);
  }

  /** Feeds one closed candle. */
  update(c: Candle): void {
    if (!usableCandle(c, this.#lastTime)) throw candleRejection(c, this.#lastTime, "macd");
    this.updateTrusted(c);
  }

  /** Feeds a candle the caller already validated, strictly after the previous one (the engine). */
  updateTrusted(c: Candle): void {
    this.#lastTime = c.time;
    const x = c.close;
    const n = this.count++;
    this.prevLine = this.line;
    this.prevSignal = this.signal;
    const slow = this.#slow.update(x);
    const seedBar = this.params.slow - 1;
    if (n < seedBar) {
      this.#seedWindow[n % this.params.fast] = x;
      return;
    }
    let fast: number;
    if (n === seedBar) {
      const f = this.params.fast;
      this.#seedWindow[n % f] = x;
      let sum = 0;
      for (let i = n - f + 1; i <= n; i++) sum += this.#seedWindow[i % f];
      fast = sum / f;
      this.#fast.seed(fast);
    } else {
      fast = this.#fast.update(x);
    }
    const line = fast - slow;
    const signal = this.#sig.update(line);
    if (signal === signal) {
      this.line = line;
      this.signal = signal;
      this.hist = line - signal;
    }
  }

  /** `{ macd, signal, hist }`, null during warm-up. */
  values(): IndicatorValues {
    return {
      macd: nullIfNaN(this.line),
      signal: nullIfNaN(this.signal),
      hist: nullIfNaN(this.hist),
    };
  }
}

/**
 * The whole-series path: runs {@linkcode MacdState} itself (its trusted update, fed one reused
 * candle) and copies line, signal and histogram after every row, so the TA-Lib seeding exists
 * once. The state keeps nothing for `evaluate` beyond the previous pair (two stores): there is
 * nothing worth skipping.
 */
export function macdColumns(cols: CandleColumns, p: MacdParams): ValueColumns {
  const n = cols.length;
  const macd = new Float64Array(n);
  const signal = new Float64Array(n);
  const hist = new Float64Array(n);
  const s = new MacdState(p);
  const row = batchRow();
  for (let i = 0; i < n; i++) {
    loadRow(row, cols, i);
    s.updateTrusted(row);
    macd[i] = s.line;
    signal[i] = s.signal;
    hist[i] = s.hist;
  }
  return { macd, signal, hist };
}

const BULLISH_CROSS = frozenSignal("BullishCross", 2, "MACD bullish cross");
const BEARISH_CROSS = frozenSignal("BearishCross", -2, "MACD bearish cross");
const BULLISH_MOMENTUM = frozenSignal("BullishMomentum", 1);
const BEARISH_MOMENTUM = frozenSignal("BearishMomentum", -1);
const NEUTRAL = frozenSignal("Neutral", 0);

/** Judges a MACD state by the §2.2 rules, first match wins. */
export function judgeMacd(s: MacdState): IndicatorSignal {
  const { line, signal, prevLine, prevSignal } = s;
  if (line !== line || prevLine !== prevLine) return NEUTRAL;
  if (prevLine <= prevSignal && line > signal) return BULLISH_CROSS;
  if (prevLine >= prevSignal && line < signal) return BEARISH_CROSS;
  if (line > 0 && line > prevLine) return BULLISH_MOMENTUM;
  if (line < 0 && line < prevLine) return BEARISH_MOMENTUM;
  return NEUTRAL;
}

/** The MACD plugin. */
export default defineIndicator({
  id: "macd",
  category: "momentum",
  description: "MACD (12, 26, 9) exactly as TA-Lib computes it; crosses and momentum",
  params: MacdParams,
  outputs: ["macd", "signal", "hist"],
  states: ["BullishCross", "BearishCross", "BullishMomentum", "BearishMomentum", "Neutral"],
  warmup: (p: MacdParams) => p.slow + p.signal - 1,
  create: (p: MacdParams) => new MacdState(p),
  evaluate: (s: MacdState) => judgeMacd(s),
  batch: macdColumns,
});
