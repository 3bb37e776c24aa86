/**
 * The volatility category: range and band behaviour (Bollinger, ATR regime); informs sizing more than direction.
 * Scores of its indicators are summed and clamped to [−2, 2]; weight 0.15 in weighted scoring
 * (the original system's table, perptrix-behaviour.md §3.1, §3.5).
 * @module
 */
import { defineCategory } from "perptrix";

/** The volatility category plugin. */
export default defineCategory({
  id: "volatility",
  description: "Volatility: Bollinger Bands, ATR regime",
  clamp: [-2, 2],
  weight: 0.15,
});
