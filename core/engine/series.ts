/**
 * The streaming evaluator of one (symbol, interval, strategy): one indicator state per enabled
 * indicator, fed each closed candle once and in order; after warm-up every candle yields exactly
 * one signal record. Deterministic: the record depends only on the candles and the strategy.
 * @module
 */
import { type Candle, CandleError, candleProblem } from "../candle.ts";
import type { IndicatorSignal, IndicatorState } from "../indicator.ts";
import type { Interval } from "../interval.ts";
import { exactPriceRule, type PriceRule } from "../price_rule.ts";
import type {
  CategoryResult,
  Contribution,
  Reason,
  RiskLevel,
  SignalDecision,
  SignalRecord,
} from "../signal.ts";
import type { CompiledIndicator, CompiledStrategy } from "./compiled.ts";
import { clampScore } from "./score.ts";
import { BIASES, DIRECTIONS, ScoreMemo } from "./score_memo.ts";
import { isValidCandle } from "./candle_check.ts";
import { type DecisionColumns, putDecision } from "./decision_columns.ts";
import { type StopDistances, stopDistancesInto, type StopPrices, stopPricesInto } from "./stops.ts";
import { ENGINE_VERSION } from "./version.ts";

/** A candle at or before the last one fed: refused so no candle is ever evaluated twice. */
export class CandleOrderError extends Error {
  /** `"CandleOrderError"`: what logs and stack traces show instead of the generic `"Error"`. */
  override name = "CandleOrderError";
  /** `where` names the market (e.g. `"BTC 1h"`); `time` came at or before `lastTime`. */
  constructor(readonly where: string, readonly time: number, readonly lastTime: number) {
    super(
      `${where}: candle time ${time} is not after the last candle's ${lastTime}` +
        (time === lastTime ? " (already evaluated)" : " (out of order)"),
    );
  }
}

/** A plugin misbehaved (threw, or returned a malformed signal); the message names it. */
export class PluginFailure extends Error {
  /** `"PluginFailure"`: what logs and stack traces show instead of the generic `"Error"`. */
  override name = "PluginFailure";
}

/** An indicator signal as it appears in records: its contribution and its reason line. */
interface Part {
  readonly contribution: Contribution;
  /** `contribution.score`, flat for the category loop. */
  readonly score: number;
  readonly reason: Reason | null;
  /** Index in the slot's cache, −1 when not cached (the signal was not frozen). */
  readonly code: number;
  /**
   * The signal's risk function and stop-widening flag, copied so the engine reads one shape
   * (parts) instead of the plugins' many signal shapes (megamorphic property loads).
   */
  readonly risk: ((total: number) => number) | undefined;
  readonly widen: boolean;
  /** The signal the part was built from. */
  readonly signal: IndicatorSignal;
}

/**
 * Placeholders of the per-slot scratch arrays. `UNSEEN` is never returned by a plugin, so a slot
 * holding it (before the first evaluation, or after a signal that was not frozen and so must not
 * be recognised by identity) always takes the part look-up.
 */
const UNSEEN: IndicatorSignal = Object.freeze({ score: 0, state: "", reason: "" });
const NO_PART: Part = Object.freeze({
  contribution: Object.freeze({ id: "", state: "", score: 0, reason: "" }),
  score: 0,
  reason: null,
  code: -1,
  risk: undefined,
  widen: false,
  signal: UNSEEN,
});

/** Bound of each slot's part cache (an indicator has a handful of states). */
const MAX_PARTS = 64;
/** Bound of each category's result cache. */
const MAX_CATEGORY_RESULTS = 4096;

/**
 * Slots per category of the direct-mapped table in front of the result Map (power of two): the
 * few combinations a category cycles through are found by one typed-array compare, not a hash
 * look-up.
 */
const HOT_SLOTS = 64;
/** Multiplicative hash of a key into a hot slot (its top 6 bits). */
const HASH = 0x9e3779b1 | 0;
const HASH_SHIFT = 26;

/** Per-series options. */
export interface SignalSeriesOptions {
  /** Rounds SL/TP prices to the market's rules; default: no rounding. */
  priceRule?: PriceRule;
}

const RISK_LOW: Reason = Object.freeze({ text: "Risk level: Low", weight: 0.5 });
const RISK_MEDIUM: Reason = Object.freeze({ text: "Risk level: Medium", weight: 0.5 });
const RISK_HIGH: Reason = Object.freeze({ text: "Risk level: High", weight: 0.5 });

/** Risk levels and their reason lines by index (0 Low, 1 Medium, 2 High). */
const RISK_LEVELS: readonly RiskLevel[] = ["Low", "Medium", "High"];
const RISK_REASONS: readonly Reason[] = [RISK_LOW, RISK_MEDIUM, RISK_HIGH];

/** A stop volatility value as the stop rule sees it: NaN for anything it would refuse. */
function stopValue(v: unknown): number {
  return typeof v === "number" && v > 0 && Number.isFinite(v) ? v : NaN;
}

/** Valid agreeing reads of a stops getter with `values()` before the getter is trusted alone. */
const STOP_GETTER_CHECKS = 64;

/** The getter of `key` on `state`'s prototype chain, if it has one (not own data properties). */
function findGetter(state: object, key: string): ((this: object) => unknown) | undefined {
  let o: object | null = state;
  for (let depth = 0; o !== null && depth < 16; depth++) {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d !== undefined) return typeof d.get === "function" ? d.get : undefined;
    o = Object.getPrototypeOf(o);
  }
  return undefined;
}

/**
 * An array of `n` copies of `v` built by appending, so V8 keeps it packed (`new Array(n)` is holey
 * for good, and every per-candle read of a holey array checks for holes).
 */
function packed<T>(n: number, v: T): T[] {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
}

/**
 * A fresh packed array of `buf[0..n)`. Records get exact-size arrays; literals allocate inline in
 * optimised code, where `slice` is a builtin call and pushing onto `[]` grows a 16-slot store.
 * Kept small (the lengths records mostly have) so the optimising compiler inlines it.
 */
function take<T>(buf: readonly T[], n: number): T[] {
  switch (n) {
    case 1:
      return [buf[0]];
    case 2:
      return [buf[0], buf[1]];
    case 3:
      return [buf[0], buf[1], buf[2]];
    case 4:
      return [buf[0], buf[1], buf[2], buf[3]];
    case 5:
      return [buf[0], buf[1], buf[2], buf[3], buf[4]];
    default:
      return buf.slice(0, n);
  }
}

/** {@linkcode take} for the category results, whose count is the seed's five or near it. */
function takeResults<T>(buf: readonly T[], n: number): T[] {
  switch (n) {
    case 5:
      return [buf[0], buf[1], buf[2], buf[3], buf[4]];
    case 6:
      return [buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]];
    default:
      return buf.slice(0, n);
  }
}

/** A plain copy of a signal's fields, read now (a malformed non-object is passed through). */
function signalCopy(s: IndicatorSignal): IndicatorSignal {
  if (s === null || typeof s !== "object") return s;
  return {
    score: s.score,
    state: s.state,
    reason: s.reason,
    risk: s.risk,
    widenStops: s.widenStops,
  };
}

/** ` (file)` naming a plugin's module when it is known, else nothing. */
function fromFile(source: string | undefined): string {
  return source === undefined ? "" : ` (${source})`;
}

/** A thrown value's message. */
function messageOf(e: unknown): string {
  return String((e as Error)?.message ?? e);
}

/**
 * Why the `values()` of indicator `ci` do not have exactly its declared `outputs` keys, or
 * `undefined` when they do.
 */
function outputsProblem(ci: CompiledIndicator, v: unknown): string | undefined {
  const outputs = ci.indicator.outputs;
  const plugin = `indicator "${ci.id}"${fromFile(ci.source)}`;
  if (v === null || typeof v !== "object") return `${plugin} values() returned ${v}`;
  const missing = outputs.filter((k) => !Object.hasOwn(v, k));
  const extra = Object.keys(v).filter((k) => !outputs.includes(k));
  if (missing.length === 0 && extra.length === 0) return undefined;
  const list = (ks: readonly string[]) => ks.map((k) => `"${k}"`).join(", ");
  return `${plugin} values() keys do not match its outputs (${list(outputs)}):` +
    (missing.length > 0 ? ` missing ${list(missing)}` : "") +
    (missing.length > 0 && extra.length > 0 ? ";" : "") +
    (extra.length > 0 ? ` extra ${list(extra)}` : "");
}

function checkSignal(s: IndicatorSignal, id: string): string | undefined {
  if (s === null || typeof s !== "object") return `indicator "${id}" evaluate() returned ${s}`;
  if (typeof s.score !== "number" || !Number.isFinite(s.score)) {
    return `indicator "${id}" returned score ${s.score}`;
  }
  if (typeof s.state !== "string") return `indicator "${id}" returned state ${s.state}`;
  if (typeof s.reason !== "string") return `indicator "${id}" returned reason ${s.reason}`;
  return undefined;
}

/** Streaming signal evaluator for one market. Not thread-shared; one per (symbol, interval). */
export class SignalSeries {
  /** Market symbol, copied into every record. */
  readonly symbol: string;
  /** Candle interval, copied into every record. */
  readonly interval: Interval;
  /** The compiled strategy it evaluates (immutable, shareable between series). */
  readonly strategy: CompiledStrategy;
  readonly #where: string;
  readonly #states: IndicatorState[];
  readonly #rule: PriceRule;
  readonly #scores: Float64Array;
  /** Total, bias and confidence per vector of category scores. */
  readonly #memo: ScoreMemo;
  /**
   * Per indicator slot: the frozen signals seen so far and their shared record parts, at the
   * part's code. A plugin has a handful of states, so a linear identity scan beats a Map.
   */
  readonly #partSignals: IndicatorSignal[][];
  readonly #partCache: Part[][];
  /**
   * Per slot: the current part (its signal is the one the plugin returned last) and, flat for
   * the category loop, its code. States usually persist from candle to candle, so a repeated
   * frozen signal costs one identity compare and nothing else; everything else a slot's state
   * implies is read from its part, so a change stores one part, not one value per use.
   */
  readonly #current: Part[];
  readonly #codes: Int32Array;
  /** Current parts asking to widen the stops. */
  #widening = 0;
  /** Current parts with a risk function (the risk count is 0 without one). */
  #risky = 0;
  /** Slot whose risk function returned `#badRiskValue`, not finite (−1: none). */
  #badRisk = -1;
  #badRiskValue = 0;
  /** Why the last signal {@linkcode #newPart} refused is malformed. */
  #badSignal = "";
  /** The categories' members, flat in category order: category k is [#bounds[k], #bounds[k+1]). */
  readonly #members: Int32Array;
  readonly #bounds: Int32Array;
  /** Per slot: its category's index. */
  readonly #slotCategory: Int32Array;
  /**
   * Per category: 1 when a member's part changed since its result was last looked up. A category
   * whose parts all stayed keeps its result and score (the same key gives the same result).
   */
  readonly #dirty: Uint8Array;
  /** Per category: key of the member parts → shared frozen result. */
  readonly #categoryCache: Map<number, CategoryResult>[];
  /**
   * Per category, {@linkcode HOT_SLOTS} slots (category k at k × HOT_SLOTS): a key (−1: empty) and
   * its result, which is always the one the Map holds or held for that key. The first place a
   * result is looked for: the combinations a category cycles through are found by one
   * well-predicted typed-array compare.
   */
  readonly #hotKeys: Float64Array;
  readonly #hotResults: (CategoryResult | undefined)[];
  /** The hot results' scores, read without touching the result objects. */
  readonly #hotScores: Float64Array;
  /** Stops source: the state and value key SL/TP distances are read from. */
  readonly #stopsState: IndicatorState;
  /**
   * The stops source's getter for the value key (e.g. ATR's `atr`), so the per-candle path reads
   * one number instead of building the whole `values()` object; `undefined`: read `values()`.
   * Until {@linkcode STOP_GETTER_CHECKS} valid reads agreed with `values()`, both are read, the
   * record follows `values()`, and a disagreement drops the getter for good.
   */
  #stopGetter: ((this: object) => unknown) | undefined;
  #stopChecks = 0;
  /** Reused outputs of the stop rule (copied into the record as numbers). */
  readonly #stopDist: StopDistances = { sl_pct: 0, tp_pct: 0, widened: false };
  readonly #stopPx: StopPrices = { sl_price: null, tp_price: null };
  /** Scratch for the reasons and category results of the candle (the record gets copies). */
  readonly #reasonBuf: Reason[];
  readonly #resultBuf: CategoryResult[];
  /** The shared frozen reason line of widened stops. */
  readonly #widenReason: Reason;
  /**
   * Per slot: the state's feed method (`updateTrusted` when it has one: the engine validates
   * first), read once here so the update loop makes no megamorphic property loads over ten
   * plugin state shapes (called with the state as `this`); the plugins and their parameters.
   */
  readonly #feeds: ((this: IndicatorState, candle: Candle) => void)[];
  /**
   * Per slot: the plugin's `evaluate`, bound to the plugin (its `this`), read once so the slot
   * loop makes one indirect call instead of a megamorphic property load over the plugins'
   * definition shapes first.
   */
  readonly #evaluates: ((state: IndicatorState, params: unknown) => IndicatorSignal)[];
  readonly #params: unknown[];
  /**
   * The last evaluated candle's outcome, which {@linkcode update} packages into a record and
   * {@linkcode decide} hands out as is: memo entry, risk level, whether the stops were widened.
   */
  #at = 0;
  #level = 0;
  #widened = false;
  /** Per slot, the signals of the block {@linkcode decideBlock} is assembling. */
  #block: IndicatorSignal[][] = [];
  /** Per slot: the last signal {@linkcode decideBlock} found frozen. */
  readonly #frozenSeen: IndicatorSignal[];
  /** The stops source's volatility value right after each candle of the block. */
  #blockVol = new Float64Array(0);
  /** The reused answer of {@linkcode decide}. */
  readonly #decision: SignalDecision = {
    time: 0,
    direction: "Neutral",
    sl_pct: null,
    tp_pct: null,
  };
  #count = 0;
  #last = -Infinity;
  #failed: Error | undefined;

  /**
   * Creates a fresh state per enabled indicator (a `create` that throws is a
   * {@linkcode PluginFailure} naming the plugin); no `opts.priceRule`: prices are not rounded.
   */
  constructor(
    symbol: string,
    interval: Interval,
    strategy: CompiledStrategy,
    opts: SignalSeriesOptions = {},
  ) {
    this.symbol = symbol;
    this.interval = interval;
    this.strategy = strategy;
    this.#where = `${symbol} ${interval}`;
    this.#rule = opts.priceRule ?? exactPriceRule;
    this.#states = strategy.indicators.map((ci) => {
      try {
        return ci.indicator.create(ci.params);
      } catch (e) {
        throw new PluginFailure(
          `${this.#where}: indicator "${ci.id}"${fromFile(ci.source)} create threw: ${
            messageOf(e)
          }`,
        );
      }
    });
    const nc = strategy.categories.length;
    this.#scores = new Float64Array(nc);
    this.#memo = new ScoreMemo(
      strategy.categories.map((c) => c.clamp),
      Float64Array.from(strategy.categories, (c) => c.weight),
      strategy.scoring,
      strategy.thresholds,
      strategy.confidence,
    );
    const n = strategy.indicators.length;
    this.#partSignals = strategy.indicators.map(() => []);
    this.#partCache = strategy.indicators.map(() => []);
    this.#current = packed(n, NO_PART);
    this.#codes = new Int32Array(n).fill(-1);
    this.#members = Int32Array.from(strategy.categories.flatMap((c) => c.members));
    this.#bounds = new Int32Array(nc + 1);
    this.#slotCategory = new Int32Array(n);
    for (let k = 0; k < nc; k++) {
      this.#bounds[k + 1] = this.#bounds[k] + strategy.categories[k].members.length;
      for (const m of strategy.categories[k].members) this.#slotCategory[m] = k;
    }
    this.#dirty = new Uint8Array(nc).fill(1);
    this.#categoryCache = strategy.categories.map(() => new Map());
    this.#hotKeys = new Float64Array(nc * HOT_SLOTS).fill(-1);
    this.#hotResults = packed(nc * HOT_SLOTS, undefined);
    this.#hotScores = new Float64Array(nc * HOT_SLOTS);
    this.#stopsState = this.#states[strategy.stopsSource.indicator];
    this.#stopGetter = findGetter(this.#stopsState, strategy.stopsSource.key);
    // At most one reason per indicator, plus the widened-stops and risk lines.
    this.#reasonBuf = packed(n + 2, RISK_LOW);
    this.#resultBuf = [];
    this.#widenReason = Object.freeze({ text: strategy.widenReason, weight: 0.4 });
    this.#feeds = this.#states.map((st) =>
      typeof st.updateTrusted === "function" ? st.updateTrusted : st.update
    );
    this.#evaluates = strategy.indicators.map((ci) => ci.indicator.evaluate.bind(ci.indicator));
    this.#frozenSeen = packed(n, UNSEEN);
    this.#params = strategy.indicators.map((ci) => ci.params);
  }

  /** Candles accepted so far. */
  get count(): number {
    return this.#count;
  }

  /** Open time of the last accepted candle (−Infinity before the first). */
  get lastTime(): number {
    return this.#last;
  }

  /** True once a candle fed now would produce a signal. */
  get ready(): boolean {
    return this.#count + 1 >= this.strategy.warmup;
  }

  /**
   * Feeds one closed candle. Returns its signal, or `undefined` during warm-up. Throws
   * {@linkcode CandleError} for an invalid candle and {@linkcode CandleOrderError} for one not
   * after the last; neither touches any state. If an indicator throws while updating, the states
   * are no longer consistent: the series fails for good ({@linkcode PluginFailure}) and must be
   * rebuilt from history; so does an indicator whose `values()` keys are not its declared
   * `outputs` (checked once, at the first evaluation). A signal that is malformed (a non-finite
   * score, a state the plugin does not declare, …) is a {@linkcode PluginFailure} for that candle.
   */
  update(candle: Candle): SignalRecord | undefined {
    return this.#feed(candle) ? this.#record(candle) : undefined;
  }

  /**
   * {@linkcode update} without the record: the same evaluation, answered by the trading decision
   * alone (time, direction, SL/TP distances), for consumers that act on it and keep nothing else
   * (the backtester). The answer is one object owned by the series and overwritten by the next
   * call; `undefined` during warm-up. Throws as {@linkcode update} does.
   */
  decide(candle: Candle): Readonly<SignalDecision> | undefined {
    if (!this.#feed(candle)) return undefined;
    const d = this.#decision;
    d.time = candle.time;
    return d;
  }

  /**
   * {@linkcode decide} over `candles[start..end)`, in one call: the answer for `candles[start + q]`
   * goes to index `q` of `out` ({@linkcode DecisionColumns}). The answers are `decide`'s on each
   * candle in turn; they are computed plugin by plugin over the block (each plugin's code and
   * state stay in cache for the whole block; plugins' states are their own, so the order across
   * plugins does not matter) and then assembled candle by candle. Nothing read at assembly may
   * depend on a plugin's state: a signal that is not frozen is copied when returned, and the
   * stops' volatility value is read right after each candle's update (a `risk` function must be
   * a function of the total alone, as the contract says). A refused
   * candle throws as `decide` would, after the candles before it were taken. A plugin that throws
   * or returns a malformed signal fails the series for good (the block's later candles were fed
   * already), naming the first failure in candle order.
   */
  decideBlock(candles: readonly Candle[], start: number, end: number, out: DecisionColumns): void {
    this.#throwIfFailed();
    // The candle checks first: the block stops before the first refused candle.
    let refused: Error | undefined;
    let m = start;
    for (let prev = this.#last; m < end; m++) {
      const c = candles[m];
      refused = this.#refusal(c, prev);
      if (refused !== undefined) break;
      prev = c.time;
    }
    const len = m - start;
    const cols = this.#blockColumns(len);
    const vols = this.#blockVol;
    const stopsSlot = this.strategy.stopsSource.indicator;
    const states = this.#states;
    const feeds = this.#feeds;
    const evaluates = this.#evaluates;
    const params = this.#params;
    const n = states.length;
    // Block index from which candles are evaluated: the series count after feeding index q is
    // #count + q + 1.
    const warmFrom = Math.max(0, this.strategy.warmup - this.#count - 1);
    // Whether candle `warmFrom` is the series' first evaluation (its outputs are checked first).
    const firstWarm = this.strategy.warmup - this.#count - 1 >= 0;
    // The first failure in the order the one-candle path meets them: by candle, then updates
    // before evaluations, then by slot.
    let failQ = len;
    let failPhase = 2;
    let failSlot = -1;
    let failError: unknown;
    for (let i = 0; i < n; i++) {
      const feed = feeds[i];
      const state = states[i];
      const evaluate = evaluates[i];
      const p = params[i];
      const col = cols[i];
      const limit = failQ < len ? failQ + 1 : len; // nothing past the first failure is needed
      // The slot's last signal known to be frozen: a repeat needs no check.
      let frozen = this.#frozenSeen[i];
      const known = this.#partSignals[i];
      let q = 0;
      let phase = 0;
      try {
        for (; q < limit; q++) {
          phase = 0;
          feed.call(state, candles[start + q]);
          if (q >= warmFrom) {
            phase = 1;
            let sig = evaluate(state, p);
            // A signal that is not frozen may be one object the plugin rewrites on every call:
            // its content is taken now, as the one-candle path takes it.
            if (sig !== frozen) {
              // The slot's cached signals are frozen (a short scan); Object.isFrozen is a slow
              // call, left for signals not seen before.
              let k = 0;
              while (k < known.length && known[k] !== sig) k++;
              if (k < known.length || Object.isFrozen(sig)) frozen = sig;
              else sig = signalCopy(sig);
            }
            col[q] = sig;
            if (i === stopsSlot) vols[q] = this.#stopVolatility();
          }
        }
      } catch (e) {
        if (q < failQ || (q === failQ && phase < failPhase)) {
          failQ = q;
          failPhase = phase;
          failSlot = i;
          failError = e;
        }
      }
      this.#frozenSeen[i] = frozen;
    }
    // Candle by candle: the slots take their parts, then the evaluation concludes.
    const current = this.#current;
    const decision = this.#decision;
    for (let q = 0; q < failQ; q++) {
      const c = candles[start + q];
      this.#last = c.time;
      this.#count++;
      if (q <= warmFrom) {
        if (q < warmFrom) {
          putDecision(out, q, undefined);
          continue;
        }
        if (firstWarm) this.#checkOutputs();
      }
      let i = 0;
      for (; i < n; i++) {
        const s = cols[i][q];
        const old = current[i];
        if (s === old.signal && old.code >= 0) continue;
        if (!this.#change(i, s, old)) break;
      }
      try {
        if (i < n) throw this.#malformed();
        this.#conclude(c, q);
      } catch (e) {
        this.#failed = e as Error;
        throw e;
      }
      putDecision(out, q, decision);
    }
    if (failSlot >= 0) {
      if (failPhase === 0) throw this.#updateThrew(failSlot, failError);
      // As one candle at a time: the outputs are checked before the first evaluation.
      if (firstWarm && failQ === warmFrom) this.#checkOutputs();
      this.#failed = this.#evaluateThrew(failSlot, failError);
      throw this.#failed;
    }
    if (refused !== undefined) throw refused;
  }

  /** Per slot, a column of at least `len` signals for {@linkcode decideBlock}. */
  #blockColumns(len: number): IndicatorSignal[][] {
    if (this.#block.length === 0 || this.#block[0].length < len) {
      const size = Math.max(len, 2 * (this.#block[0]?.length ?? 0));
      this.#block = this.#states.map(() => packed(size, UNSEEN));
      this.#blockVol = new Float64Array(size);
    }
    return this.#block;
  }

  /** Throws for good once a plugin failed the series. */
  #throwIfFailed(): void {
    if (this.#failed !== undefined) {
      throw new PluginFailure(`${this.#where}: series failed earlier: ${this.#failed.message}`);
    }
  }

  /**
   * Why `candle` is refused after a candle at `prev` (`CandleError` or `CandleOrderError`), or
   * `undefined`: the branch-light check first, the problem spelt out only for a candle it refuses.
   */
  #refusal(candle: Candle, prev: number): Error | undefined {
    if (!isValidCandle(candle)) {
      const problem = candleProblem(candle);
      if (problem !== undefined) return new CandleError(`${this.#where}: ${problem}`);
    }
    if (candle.time <= prev) return new CandleOrderError(this.#where, candle.time, prev);
    return undefined;
  }

  /**
   * Once per series, before its first evaluation (every state is warm): each plugin's `values()`
   * must have exactly its declared `outputs` keys. A plugin breaking that fails the series for
   * good ({@linkcode PluginFailure}).
   */
  #checkOutputs(): void {
    const inds = this.strategy.indicators;
    for (let i = 0; i < inds.length; i++) {
      let problem: string | undefined;
      try {
        problem = outputsProblem(inds[i], this.#states[i].values());
      } catch (e) {
        problem = `indicator "${inds[i].id}"${fromFile(inds[i].source)} values() threw: ${
          messageOf(e)
        }`;
      }
      if (problem !== undefined) {
        this.#failed = new PluginFailure(problem);
        throw new PluginFailure(`${this.#where}: ${problem}`);
      }
    }
  }

  /** Slot `i`'s update threw `e`: the states are no longer consistent, the series fails for good. */
  #updateThrew(i: number, e: unknown): PluginFailure {
    this.#failed = new PluginFailure(
      `indicator "${this.strategy.indicators[i].id}" update threw: ${(e as Error)?.message ?? e}`,
    );
    return new PluginFailure(`${this.#where}: ${this.#failed.message}`);
  }

  /** Validates and feeds `candle` to every state; true when it was also evaluated (warm). */
  #feed(candle: Candle): boolean {
    this.#throwIfFailed();
    const refused = this.#refusal(candle, this.#last);
    if (refused !== undefined) throw refused;
    const states = this.#states;
    let i = 0;
    try {
      // The candle was validated above and is after the last: the plugins' trusted path applies.
      const feeds = this.#feeds;
      for (; i < states.length; i++) feeds[i].call(states[i], candle);
    } catch (e) {
      throw this.#updateThrew(i, e);
    }
    this.#last = candle.time;
    this.#count++;
    // One compare per candle either way: the equal case is the series' first evaluation.
    if (this.#count <= this.strategy.warmup) {
      if (this.#count < this.strategy.warmup) return false;
      this.#checkOutputs();
    }
    this.#evaluate(candle);
    return true;
  }

  /**
   * The part of a signal not seen before in slot `i`. Plugins return shared frozen signals for
   * their static states, so parts for frozen signals are built once per (slot, signal) and
   * reused: records share immutable parts instead of allocating them per candle. A plugin that
   * returns fresh objects gets fresh parts (no caching, no growth). `undefined`, changing nothing
   * but `#badSignal`, for a malformed signal.
   */
  #newPart(i: number, s: IndicatorSignal): Part | undefined {
    const ci = this.strategy.indicators[i];
    const bad = checkSignal(s, ci.id);
    if (bad !== undefined) {
      this.#badSignal = bad;
      return undefined;
    }
    if (!ci.states.has(s.state)) {
      this.#badSignal = `indicator "${ci.id}"${fromFile(ci.source)} returned state "${s.state}", ` +
        `not one of its declared states (${ci.indicator.states.join(", ")})`;
      return undefined;
    }
    const contribution: Contribution = {
      id: ci.id,
      state: s.state,
      score: s.score,
      reason: s.reason,
    };
    const reason: Reason | null = s.reason === "" ? null : { text: s.reason, weight: 1 };
    const risk = s.risk;
    const widen = s.widenStops === true;
    const score = s.score;
    if (!Object.isFrozen(s)) {
      return { contribution, score, reason, code: -1, risk, widen, signal: s };
    }
    const seen = this.#partSignals[i];
    const cache = this.#partCache[i];
    if (seen.length >= MAX_PARTS) {
      // A plugin minting frozen signals: stay bounded. Codes restart, so results keyed by the old
      // codes must go too.
      seen.length = 0;
      cache.length = 0;
      for (const c of this.#categoryCache) c.clear();
      this.#hotKeys.fill(-1);
      this.#hotResults.fill(undefined);
    }
    const part: Part = Object.freeze({
      contribution: Object.freeze(contribution),
      score,
      reason: reason && Object.freeze(reason),
      code: seen.length,
      risk,
      widen,
      signal: s,
    });
    seen.push(s);
    cache.push(part);
    return part;
  }

  /** The stops source's volatility value (NaN where the stop rule would refuse it). */
  #stopVolatility(): number {
    const state = this.#stopsState;
    const getter = this.#stopGetter;
    if (getter !== undefined && this.#stopChecks >= STOP_GETTER_CHECKS) {
      return stopValue(getter.call(state));
    }
    const v = stopValue(state.values()[this.strategy.stopsSource.key]);
    if (getter !== undefined) {
      const g = stopValue(getter.call(state));
      if (g === v) {
        if (v === v) this.#stopChecks++;
      } else if (!(g !== g && v !== v)) this.#stopGetter = undefined;
    }
    return v;
  }

  /**
   * The result of category `k` for member parts with key `key` (−1: some part is not cached) that
   * is not in the hot table at `h`: from the Map (then put in the hot table), or built (and
   * cached).
   */
  #categoryResult(k: number, key: number, h: number): CategoryResult {
    const cache = this.#categoryCache[k];
    let result: CategoryResult | undefined;
    if (key >= 0) {
      result = cache.get(key);
      if (result !== undefined) {
        this.#hotKeys[h] = key;
        this.#hotResults[h] = result;
        this.#hotScores[h] = result.score;
      }
    }
    if (result === undefined) {
      const cat = this.strategy.categories[k];
      const members = cat.members;
      const parts = this.#current;
      let raw = 0;
      for (let j = 0; j < members.length; j++) raw += parts[members[j]].score;
      if (cat.combine !== undefined) {
        try {
          raw = cat.combine(members.map((m) => parts[m].signal));
        } catch (e) {
          throw new PluginFailure(
            `${this.#where}: category "${cat.id}"${fromFile(cat.source)} combine threw: ${
              messageOf(e)
            }`,
          );
        }
        if (typeof raw !== "number" || !Number.isFinite(raw)) {
          throw new PluginFailure(`${this.#where}: category "${cat.id}" combine returned ${raw}`);
        }
      }
      result = {
        id: cat.id,
        score: clampScore(raw, cat.clamp),
        raw,
        clamp: [cat.clamp[0], cat.clamp[1]],
        weight: cat.weight,
        contributions: members.map((m) => parts[m].contribution),
      };
      if (key >= 0 && key <= Number.MAX_SAFE_INTEGER) {
        if (cache.size >= MAX_CATEGORY_RESULTS) {
          cache.clear();
          this.#hotKeys.fill(-1, k * HOT_SLOTS, (k + 1) * HOT_SLOTS);
          this.#hotResults.fill(undefined, k * HOT_SLOTS, (k + 1) * HOT_SLOTS);
        }
        Object.freeze(result.clamp);
        Object.freeze(result.contributions);
        cache.set(key, Object.freeze(result));
        this.#hotKeys[h] = key;
        this.#hotResults[h] = result;
        this.#hotScores[h] = result.score;
      }
    }
    return result;
  }

  /** The PluginFailure of the malformed signal {@linkcode #newPart} refused. */
  #malformed(): PluginFailure {
    return new PluginFailure(`${this.#where}: ${this.#badSignal}`);
  }

  /** A PluginFailure for an evaluate that threw (out of the hot loop). */
  #evaluateThrew(i: number, e: unknown): PluginFailure {
    return new PluginFailure(
      `${this.#where}: indicator "${this.strategy.indicators[i].id}" evaluate threw: ${
        (e as Error)?.message ?? e
      }`,
    );
  }

  /**
   * Σ risk over the current parts in slot order. A risk function that throws is reported here;
   * one returning a non-finite number stops the sum: its slot is left in `#badRisk` for the caller
   * to report (so the loop needs no handler of its own).
   */
  #riskCount(total: number): number {
    const parts = this.#current;
    let count = 0;
    for (let i = 0; i < parts.length; i++) {
      const f = parts[i].risk;
      if (f === undefined || f === null) continue;
      const v = f(total);
      if (!Number.isFinite(v)) {
        this.#badRisk = i;
        this.#badRiskValue = v;
        return 0;
      }
      count += v;
    }
    return count;
  }

  /** The PluginFailure of a risk function that returned a non-finite number. */
  #riskFailure(total: number): PluginFailure {
    const i = this.#badRisk;
    this.#badRisk = -1;
    return new PluginFailure(
      `${this.#where}: risk(${total}) of a "${
        this.#current[i].signal.state
      }" signal returned ${this.#badRiskValue}`,
    );
  }

  /**
   * SL/TP distances at `price` into `#stopDist`; false when the stops source has no usable
   * volatility value (no stops). The prices follow in {@linkcode #record}: a decision needs none.
   */
  #stops(price: number, volAt: number): boolean {
    const vol = volAt < 0 ? this.#stopVolatility() : this.#blockVol[volAt];
    return stopDistancesInto(this.#stopDist, vol, price, this.strategy.stops, this.#widening > 0);
  }

  /**
   * Slot `i`'s plugin returned `s`, which is not its current part's signal: the slot takes the
   * part of `s`, found by identity among the slot's frozen signals (a handful: a linear scan
   * beats a Map), or new (validated, and cached when frozen). False for a malformed signal.
   */
  #change(i: number, s: IndicatorSignal, old: Part): boolean {
    const seen = this.#partSignals[i];
    let c = 0;
    while (c < seen.length && seen[c] !== s) c++;
    const part = c < seen.length ? this.#partCache[i][c] : this.#newPart(i, s);
    if (part === undefined) return false;
    this.#widening += (part.widen ? 1 : 0) - (old.widen ? 1 : 0);
    this.#risky += (part.risk != null ? 1 : 0) - (old.risk != null ? 1 : 0);
    this.#current[i] = part;
    this.#codes[i] = part.code;
    this.#dirty[this.#slotCategory[i]] = 1;
    return true;
  }

  /**
   * Evaluates the fed states: the outcome goes to the decision fields and the category results
   * to `#resultBuf` (see {@linkcode #record}).
   */
  #evaluate(candle: Candle): void {
    const evaluates = this.#evaluates;
    const states = this.#states;
    const params = this.#params;
    const current = this.#current;
    const n = evaluates.length;
    let i = 0;
    try {
      for (; i < n; i++) {
        const s = evaluates[i](states[i], params[i]);
        const old = current[i];
        // A repeated frozen signal; one that is not frozen (code −1) is looked at every time.
        if (s === old.signal && old.code >= 0) continue;
        if (!this.#change(i, s, old)) break; // malformed: reported below
      }
    } catch (e) {
      // Only evaluate throws in the loop (a malformed signal breaks out of it instead).
      throw this.#evaluateThrew(i, e);
    }
    if (i < n) throw this.#malformed();
    this.#conclude(candle, -1);
  }

  /**
   * The rest of an evaluation once every slot holds its part for the candle: categories, score,
   * risk and stops into the decision fields. The stops' volatility value is read from the stops
   * source's state now (`volAt` −1), or, in a block, was read right after the candle's update
   * (`#blockVol[volAt]`): by assembly time the state has seen the rest of the block.
   */
  #conclude(candle: Candle, volAt: number): void {
    const codes = this.#codes;
    const dirty = this.#dirty;
    // Only the categories with a changed member are looked up again.
    const members = this.#members;
    const bounds = this.#bounds;
    const hotKeys = this.#hotKeys;
    const hotResults = this.#hotResults;
    const hotScores = this.#hotScores;
    const scores = this.#scores;
    const resultBuf = this.#resultBuf;
    const nc = scores.length;
    let changed = 0;
    for (let k = 0; k < nc; k++) {
      if (dirty[k] === 0) continue;
      // Key of this combination of cached parts; -1 when any part is not cached (code −1).
      let key = 0;
      let uncached = 0;
      for (let j = bounds[k], end = bounds[k + 1]; j < end; j++) {
        const code = codes[members[j]];
        uncached |= code;
        key = key * MAX_PARTS + code;
      }
      if (uncached < 0) key = -1;
      const h = k * HOT_SLOTS + (Math.imul(key, HASH) >>> HASH_SHIFT);
      if (key >= 0 && hotKeys[h] === key) {
        resultBuf[k] = hotResults[h]!;
        scores[k] = hotScores[h];
      } else {
        const result = this.#categoryResult(k, key, h);
        resultBuf[k] = result;
        scores[k] = result.score;
      }
      // Cleared only once its result is in place: a category that threw is looked up again.
      dirty[k] = 0;
      changed = 1;
    }

    const st = this.strategy;
    const memo = this.#memo;
    // Unchanged scores keep their entry: no other vector was looked up since.
    const at = changed === 1 ? memo.find(scores) : this.#at;
    this.#at = at;
    const total = memo.totals[at];
    const direction = DIRECTIONS[memo.biases[at]];
    let count = 0;
    if (this.#risky > 0) {
      try {
        count = this.#riskCount(total);
      } catch (e) {
        throw new PluginFailure(`${this.#where}: ${(e as Error).message}`);
      }
      if (this.#badRisk >= 0) throw this.#riskFailure(total);
    }
    const rp = st.risk;
    if (Math.abs(total) < rp.weakBelow) count += rp.weakAdd;
    // 2 High, 1 Medium, 0 Low, without a branch on the data.
    const high = +(count >= rp.highAt);
    const level = 2 * high + (1 - high) * +(count >= rp.mediumAt);

    const decision = this.#decision;
    decision.direction = direction;
    decision.sl_pct = null;
    decision.tp_pct = null;
    this.#widened = false;
    if (direction !== "Neutral" && this.#stops(candle.close, volAt)) {
      const d = this.#stopDist;
      decision.sl_pct = d.sl_pct;
      decision.tp_pct = d.tp_pct;
      this.#widened = d.widened;
    }
    this.#level = level;
  }

  /**
   * The reason lines of the candle just evaluated: the current parts' in category then member
   * order, then the widened-stops line (when widened) and the risk line.
   */
  #reasonLines(): Reason[] {
    const reasonBuf = this.#reasonBuf;
    const parts = this.#current;
    const members = this.#members;
    let m = 0;
    for (let j = 0; j < members.length; j++) {
      // Stored either way, kept only when there is one (no branch on the data).
      const reason = parts[members[j]].reason;
      reasonBuf[m] = reason!;
      m += +(reason !== null);
    }
    if (this.#widened) reasonBuf[m++] = this.#widenReason;
    reasonBuf[m++] = RISK_REASONS[this.#level];
    return take(reasonBuf, m);
  }

  /** The record of the candle {@linkcode #evaluate} just evaluated. */
  #record(candle: Candle): SignalRecord {
    const memo = this.#memo;
    const at = this.#at;
    const biasIndex = memo.biases[at];
    const level = this.#level;
    const decision = this.#decision;
    let slPrice: number | null = null;
    let tpPrice: number | null = null;
    if (decision.sl_pct !== null) {
      const px = this.#stopPx;
      stopPricesInto(px, decision.direction === "Long", candle.close, this.#stopDist, this.#rule);
      slPrice = px.sl_price;
      tpPrice = px.tp_price;
    }
    return {
      symbol: this.symbol,
      interval: this.interval,
      time: candle.time,
      price: candle.close,
      direction: DIRECTIONS[biasIndex],
      bias: BIASES[biasIndex],
      score: memo.totals[at],
      categories: takeResults(this.#resultBuf, this.#scores.length),
      confidence: memo.confidences[at],
      risk: RISK_LEVELS[level],
      sl_pct: decision.sl_pct,
      tp_pct: decision.tp_pct,
      sl_price: slPrice,
      tp_price: tpPrice,
      reasons: this.#reasonLines(),
      strategy: this.strategy.id,
      engine_version: ENGINE_VERSION,
    };
  }
}
