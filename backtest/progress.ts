/**
 * A terminal progress bar for long backtests, on stderr so stdout stays clean for JSON. It draws
 * only when stderr is a terminal (or when forced with `--progress`) and at most every
 * `minIntervalMs`, so it costs nothing measurable in the candle loop.
 * @module
 */

/** Options of {@linkcode ProgressBar}. */
export interface ProgressOptions {
  /** Units of work in total (candles). */
  total: number;
  /** Text before the bar. */
  label?: string;
  /** Where frames go; default: stderr. */
  write?: (s: string) => void;
  /** Clock in ms; default `performance.now`. */
  now?: () => number;
  /** Minimum time between frames. */
  minIntervalMs?: number;
  /** Bar width in characters. */
  width?: number;
}

const encoder = new TextEncoder();

function writeStderr(s: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(s));
  } catch { /* a closed stderr must not stop a backtest */ }
}

/** True when a bar should be drawn: forced, or stderr is an interactive terminal. */
export function progressWanted(force = false): boolean {
  if (force) return true;
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

function fmtCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function fmtRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "-";
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}

/** A throttled, single-line progress bar redrawn in place with `\r`. */
export class ProgressBar {
  readonly #o: Required<ProgressOptions>;
  readonly #start: number;
  #last = -Infinity;
  #closed = false;

  constructor(opts: ProgressOptions) {
    this.#o = {
      label: "backtest",
      write: writeStderr,
      now: () => performance.now(),
      minIntervalMs: 100,
      width: 30,
      ...opts,
    };
    this.#start = this.#o.now();
  }

  /** The frame for `done` units at elapsed `ms` (pure, for tests and for drawing). */
  frame(done: number, ms: number): string {
    const { total, width, label } = this.#o;
    const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
    const filled = Math.round(frac * width);
    const rate = ms > 0 ? done / (ms / 1000) : NaN;
    const eta = rate > 0 ? (total - done) / rate : NaN;
    return `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ` +
      `${(frac * 100).toFixed(1).padStart(5)}% ${fmtCount(done)}/${fmtCount(total)} ` +
      `${fmtRate(rate)} candles/s ETA ${Number.isFinite(eta) ? eta.toFixed(1) + "s" : "-"}`;
  }

  /** Reports progress; draws when the throttle interval has passed. */
  update(done: number): void {
    if (this.#closed) return;
    const t = this.#o.now();
    if (t - this.#last < this.#o.minIntervalMs) return;
    this.#last = t;
    this.#o.write(`\r${this.frame(done, t - this.#start)}`);
  }

  /** Draws the final frame and ends the line. */
  finish(done = this.#o.total): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.write(`\r${this.frame(done, this.#o.now() - this.#start)}\n`);
  }
}
