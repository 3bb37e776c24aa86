/**
 * The momentum category: oscillators that measure the speed of price change (RSI, MACD).
 * Scores of its indicators are summed and clamped to [−3, 3]; weight 0.25 in weighted scoring
 * (the original system's table, perptrix-behaviour.md §3.1, §3.5).
 * @module
 */
import { defineCategory } from "perptrix";

/** The momentum category plugin. */
export default defineCategory({
  id: "momentum",
  description: "Momentum: RSI, MACD",
  clamp: [-3, 3],
  weight: 0.25,
});
