/**
 * The trading model: turns signals into one position per symbol and accounts for every fill, fee,
 * slippage and funding payment. It sees a candle only when that candle is handed to it, so it
 * cannot look ahead.
 *
 * Per candle, in this order ({@linkcode TradingModel.onCandle}):
 * 1. funding settlements before the candle's open (only in data gaps) are applied;
 * 2. orders pending from the previous signal fill at the open (exit first, then entry);
 * 3. settlements inside the candle (`open ≤ t < open + interval`) are applied to the open position,
 *    its notional valued at the candle's open (settlements sit at the top of the hour, i.e. at
 *    the open of 1m..1h candles; for longer candles this is an approximation);
 * 4. the stop-loss and take-profit are checked against the candle's range. A gap through a level
 *    fills at the open. When one candle touches both and the open decides nothing, the
 *    **stop-loss is assumed first** (the conservative choice) and the candle is counted as
 *    ambiguous.
 *
 * Then the signal computed on that candle's close is handed to {@linkcode TradingModel.onSignal}.
 *
 * Sizing: `qty = equity × risk_pct / |entry − stop|`, capped so `qty × entry ≤ equity ×
 * max_leverage`; the stop and target keep the signal's percent distances, re-anchored on the
 * actual fill price. An entry whose notional is below `min_notional` (the venue's minimum order
 * value) is skipped and counted. Once equity falls below `ruin_pct` % of the initial equity the
 * account is ruined: no entry is made after that, so a losing run ends there instead of trading
 * dust down to 1e-26. Market fills (entries, opposite-signal and end-of-data exits, stop-losses)
 * pay the taker fee and adverse slippage; limit take-profits pay the maker fee and no slippage.
 * @module
 */
import type { Candle } from "../core/candle.ts";
import type { Direction, SignalDecision } from "../core/signal.ts";
import type { BacktestConfig } from "./config.ts";
import { fundingPayment, type SettlementCursor } from "./funding.ts";

/** Why a position was closed. */
export type ExitReason = "stop_loss" | "take_profit" | "opposite_signal" | "end_of_data";

/** One closed trade. Money is in quote currency; times are epoch ms. */
export interface Trade {
  /** 1-based sequence number. */
  id: number;
  side: "Long" | "Short";
  /** Open time of the candle whose signal opened the trade. */
  signal_time: number;
  /** Fill time: a candle's open time, or its close time for `signal_close` entries. */
  entry_time: number;
  /** Entry fill price, slippage included. */
  entry_price: number;
  /** Position size in base units. */
  qty: number;
  sl_price: number;
  /** `null` when the signal had no take-profit. */
  tp_price: number | null;
  /**
   * Fill time: a candle's open time for fills at the open and for stop-loss/take-profit fills
   * inside that candle, its close time for `signal_close` and end-of-data exits.
   */
  exit_time: number;
  /** Exit fill price, slippage included. */
  exit_price: number;
  exit_reason: ExitReason;
  /** True when the exit candle touched both SL and TP (SL assumed first). */
  ambiguous: boolean;
  /** Price PnL before costs. */
  gross_pnl: number;
  /** Entry plus exit fees. */
  fees: number;
  /** Net funding over the trade: positive = paid, negative = received. */
  funding: number;
  /** `gross_pnl − fees − funding`. */
  net_pnl: number;
  /** Equity when the trade was opened. */
  entry_equity: number;
  /** `net_pnl` in units of the planned risk (equity × risk_pct). */
  r_multiple: number;
  /** Candles the position was open in (the entry and exit candles included). */
  bars: number;
}

/** What the model needs from a signal: the record's trading decision. */
export type TradeSignal = SignalDecision;

/** Totals kept alongside the trade list. */
export interface ModelTotals {
  fees: number;
  funding_paid: number;
  funding_received: number;
  /** Settlements that fell while a position was open. */
  funding_settlements: number;
  /** Cost of slippage: `qty × |fill − reference price|` over all taker fills. */
  slippage: number;
  /** Candles that touched both SL and TP of the open position. */
  ambiguous_candles: number;
  /** Long/Short signals acted on (entries attempted). */
  entry_signals: number;
  /** Entries skipped because the signal had no usable stop-loss (size needs one). */
  skipped_no_stop: number;
  /** Entries whose size was cut by `max_leverage`. */
  leverage_capped: number;
  /** Entries skipped because their notional was below `min_notional`. */
  skipped_min_notional: number;
  /** A pending entry dropped because the data ended before its fill. */
  unfilled_at_end: number;
  /**
   * True once equity fell below `ruin_pct` % of the initial equity (or reached zero); no entry is
   * made after that.
   */
  ruined: boolean;
  /** Time of the fill that ruined the account (`null` while not ruined). */
  ruined_at: number | null;
  /** Candles seen, and candles during which a position was open. */
  bars: number;
  bars_in_market: number;
}

const LONG = 1;
const SHORT = -1;

function sideOf(d: Direction): number {
  return d === "Long" ? LONG : d === "Short" ? SHORT : 0;
}

/**
 * The position and cost model for one symbol. Feed candles and signals in time order. The
 * settings are read once, at construction.
 *
 * Per candle ({@linkcode onCandle}, {@linkcode onSignal}, {@linkcode equityAt}) nothing is
 * allocated and the only calls are to code that runs when something happens (a settlement is
 * due, an order fills, a level is touched): the common candle is a handful of comparisons.
 */
export class TradingModel {
  readonly config: BacktestConfig;
  readonly intervalMs: number;
  readonly trades: Trade[] = [];
  readonly totals: ModelTotals = {
    fees: 0,
    funding_paid: 0,
    funding_received: 0,
    funding_settlements: 0,
    slippage: 0,
    ambiguous_candles: 0,
    entry_signals: 0,
    skipped_no_stop: 0,
    leverage_capped: 0,
    skipped_min_notional: 0,
    unfilled_at_end: 0,
    ruined: false,
    ruined_at: null,
    bars: 0,
    bars_in_market: 0,
  };
  readonly #slip: number;
  readonly #takerFee: number;
  readonly #makerFee: number;
  readonly #riskPct: number;
  readonly #maxLeverage: number;
  readonly #signalClose: boolean;
  readonly #reverse: boolean;
  readonly #tpMarket: boolean;
  readonly #minNotional: number;
  /** Equity below this is ruin (`ruin_pct` % of the initial equity). */
  readonly #ruinBelow: number;
  readonly #funding: SettlementCursor | undefined;
  /** Time of the next unconsumed settlement (`Infinity` without funding or when none is left). */
  #fundingNext: number;
  #cash: number;
  // open position (side 0 = flat)
  #side = 0;
  #qty = 0;
  #entry = 0;
  #sl = 0;
  #tp = NaN;
  #entryTime = 0;
  #signalTime = 0;
  #entryFee = 0;
  #entryEquity = 0;
  #riskAmount = 0;
  #posFunding = 0;
  #posBars = 0;
  // order pending for the next open
  #pendingExit = false;
  #pendingSide = 0;
  #pendingSl = 0;
  #pendingTp = NaN;
  #pendingSignalTime = 0;
  // the last candle seen (for the end-of-data exit)
  #seen = false;
  #lastClose = 0;
  #lastEnd = 0;

  /** `funding` is consumed as candles pass; omit it to trade without funding. */
  constructor(config: BacktestConfig, intervalMs: number, funding?: SettlementCursor) {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
    this.config = config;
    this.intervalMs = intervalMs;
    this.#slip = config.slippage_bps / 10_000;
    this.#takerFee = config.taker_fee;
    this.#makerFee = config.maker_fee;
    this.#riskPct = config.risk_pct;
    this.#maxLeverage = config.max_leverage;
    this.#signalClose = config.entry === "signal_close";
    this.#reverse = config.reverse_on_opposite;
    this.#tpMarket = config.take_profit_order === "market";
    this.#minNotional = config.min_notional;
    this.#ruinBelow = config.initial_equity * config.ruin_pct / 100;
    this.#funding = funding;
    this.#fundingNext = funding === undefined ? Infinity : funding.nextTime;
    this.#cash = config.initial_equity;
  }

  /** Realised equity: cash after all closed trades, fees and funding so far. */
  get cash(): number {
    return this.#cash;
  }

  /** +1 long, −1 short, 0 flat. */
  get side(): number {
    return this.#side;
  }

  /** Equity marked to `price`: cash plus the open position's unrealised PnL. */
  equityAt(price: number): number {
    return this.#side === 0
      ? this.#cash
      : this.#cash + this.#side * this.#qty * (price - this.#entry);
  }

  /**
   * {@linkcode equityAt} the close of `c`, written to `out[i]`: the run loop's form, which passes
   * no bare number across a call (a double crossing a call that is not inlined is boxed).
   */
  markClose(c: Candle, out: Float64Array, i: number): void {
    out[i] = this.#side === 0
      ? this.#cash
      : this.#cash + this.#side * this.#qty * (c.close - this.#entry);
  }

  /** Processes one candle's fills (steps 1–4 of the module doc), before its signal is known. */
  onCandle(c: Candle): void {
    const time = c.time;
    const end = time + this.intervalMs;
    this.#seen = true;
    this.#lastClose = c.close;
    this.#lastEnd = end;
    this.totals.bars++;
    if (this.#fundingNext < time) this.#settle(time, c.open);
    if (this.#pendingExit) {
      this.#pendingExit = false;
      if (this.#side !== 0) this.#close(c.open, time, "opposite_signal", true, false);
    }
    if (this.#pendingSide !== 0) {
      const side = this.#pendingSide;
      this.#pendingSide = 0;
      this.#open(side, c.open, time, this.#pendingSl, this.#pendingTp, this.#pendingSignalTime);
    }
    if (this.#fundingNext < end) this.#settle(end, c.open);
    const side = this.#side;
    if (side !== 0) {
      this.totals.bars_in_market++;
      this.#posBars++;
      // Step 4 inline for the common candle that touches neither level.
      const sl = this.#sl;
      const tp = this.#tp;
      if (
        side === LONG
          ? c.low <= sl || (tp === tp && c.high >= tp)
          : c.high >= sl || (tp === tp && c.low <= tp)
      ) this.#checkStops(c);
    }
  }

  /**
   * Acts on the signal computed on candle `c` (the candle just given to `onCandle`): an opposite
   * signal closes the position (and reverses it when configured); a Long/Short signal while flat
   * opens one. With `entry: "next_open"` the orders fill at the next candle's open, otherwise at
   * `c`'s close.
   */
  onSignal(s: TradeSignal, c: Candle): void {
    const dir = sideOf(s.direction);
    if (dir === 0 || dir === this.#side) return;
    this.#act(dir, s, c);
  }

  /** The rare part of {@linkcode onSignal}: a signal that changes the position. */
  #act(dir: number, s: TradeSignal, c: Candle): void {
    const now = this.#signalClose;
    if (this.#side === -dir) {
      if (now) this.#close(c.close, c.time + this.intervalMs, "opposite_signal", true, false);
      else this.#pendingExit = true;
      if (!this.#reverse) return;
    }
    if (this.totals.ruined) return; // a ruined account makes no entry: none is attempted
    this.totals.entry_signals++;
    const sl = s.sl_pct;
    if (sl === null || !(sl > 0) || !Number.isFinite(sl)) {
      this.totals.skipped_no_stop++;
      return;
    }
    const tp = s.tp_pct !== null && s.tp_pct > 0 && Number.isFinite(s.tp_pct) ? s.tp_pct : NaN;
    if (now) {
      this.#open(dir, c.close, c.time + this.intervalMs, sl, tp, s.time);
    } else {
      this.#pendingSide = dir;
      this.#pendingSl = sl;
      this.#pendingTp = tp;
      this.#pendingSignalTime = s.time;
    }
  }

  /** Ends the run: closes any open position at the last candle's close (taker fill). */
  finish(): void {
    if (this.#pendingSide !== 0) this.totals.unfilled_at_end++;
    this.#pendingSide = 0;
    this.#pendingExit = false;
    if (this.#seen && this.#side !== 0) {
      this.#close(this.#lastClose, this.#lastEnd, "end_of_data", true, false);
    }
  }

  /** Applies the settlements before `until` (called only when one is due). */
  #settle(until: number, price: number): void {
    const f = this.#funding!;
    while (f.nextTime < until) {
      const t = f.nextTime;
      const rate = f.take();
      if (this.#side === 0 || t < this.#entryTime) continue;
      const pay = fundingPayment(this.#side, this.#qty, price, rate);
      this.#cash -= pay;
      this.#posFunding += pay;
      this.totals.funding_settlements++;
      if (pay > 0) this.totals.funding_paid += pay;
      else this.totals.funding_received -= pay;
    }
    this.#fundingNext = f.nextTime;
  }

  #open(side: number, ref: number, time: number, slPct: number, tpPct: number, sigTime: number) {
    const t = this.totals;
    const equity = this.#cash;
    if (t.ruined) return;
    // Cash moves only while a position is open and #close checks the threshold after every
    // trade, so this re-check is a guard, not the rule.
    if (!(equity > 0) || equity < this.#ruinBelow) {
      this.#ruin(time);
      return;
    }
    const fill = ref * (1 + side * this.#slip);
    const dist = fill * slPct / 100;
    const sl = fill - side * dist;
    if (!(sl > 0) || !(dist > 0)) {
      t.skipped_no_stop++;
      return;
    }
    const risk = equity * this.#riskPct / 100;
    let qty = risk / dist;
    const cap = equity * this.#maxLeverage / fill;
    if (qty > cap) {
      qty = cap;
      t.leverage_capped++;
    }
    if (qty * fill < this.#minNotional) {
      t.skipped_min_notional++;
      return;
    }
    const tp = tpPct === tpPct ? fill + side * fill * tpPct / 100 : NaN;
    const fee = qty * fill * this.#takerFee;
    this.#cash -= fee;
    t.fees += fee;
    t.slippage += qty * Math.abs(fill - ref);
    this.#side = side;
    this.#qty = qty;
    this.#entry = fill;
    this.#sl = sl;
    this.#tp = tp > 0 ? tp : NaN;
    this.#entryTime = time;
    this.#signalTime = sigTime;
    this.#entryFee = fee;
    this.#entryEquity = equity;
    this.#riskAmount = risk;
    this.#posFunding = 0;
    this.#posBars = 0;
  }

  #checkStops(c: Candle): void {
    const long = this.#side === LONG;
    const sl = this.#sl;
    const tp = this.#tp;
    const hitSl = long ? c.low <= sl : c.high >= sl;
    const hitTp = tp === tp && (long ? c.high >= tp : c.low <= tp);
    if (!hitSl && !hitTp) return;
    const market = this.#tpMarket;
    if (long ? c.open <= sl : c.open >= sl) {
      this.#close(c.open, c.time, "stop_loss", true, false);
    } else if (hitTp && (long ? c.open >= tp : c.open <= tp)) {
      this.#close(c.open, c.time, "take_profit", market, false);
    } else if (hitSl) {
      if (hitTp) this.totals.ambiguous_candles++;
      this.#close(sl, c.time, "stop_loss", true, hitTp);
    } else {
      this.#close(tp, c.time, "take_profit", market, false);
    }
  }

  #close(ref: number, time: number, reason: ExitReason, taker: boolean, ambiguous: boolean) {
    const side = this.#side;
    const qty = this.#qty;
    const slip = taker ? this.#slip : 0;
    const fill = ref * (1 - side * slip);
    const gross = side * qty * (fill - this.#entry);
    const fee = qty * fill * (taker ? this.#takerFee : this.#makerFee);
    this.#cash += gross - fee;
    const t = this.totals;
    t.fees += fee;
    t.slippage += qty * Math.abs(fill - ref);
    const fees = this.#entryFee + fee;
    const net = gross - fees - this.#posFunding;
    this.trades.push({
      id: this.trades.length + 1,
      side: side === LONG ? "Long" : "Short",
      signal_time: this.#signalTime,
      entry_time: this.#entryTime,
      entry_price: this.#entry,
      qty,
      sl_price: this.#sl,
      tp_price: this.#tp === this.#tp ? this.#tp : null,
      exit_time: time,
      exit_price: fill,
      exit_reason: reason,
      ambiguous,
      gross_pnl: gross,
      fees,
      funding: this.#posFunding,
      net_pnl: net,
      entry_equity: this.#entryEquity,
      r_multiple: this.#riskAmount > 0 ? net / this.#riskAmount : 0,
      bars: this.#posBars,
    });
    this.#side = 0;
    this.#qty = 0;
    this.#tp = NaN;
    if (!t.ruined && (!(this.#cash > 0) || this.#cash < this.#ruinBelow)) this.#ruin(time);
  }

  /** Marks the account ruined at `time`: {@linkcode #open} makes no entry after it. */
  #ruin(time: number): void {
    this.totals.ruined = true;
    this.totals.ruined_at = time;
  }
}
