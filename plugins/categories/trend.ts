/**
 * The trend category: direction and structure of the move (EMA cross, SuperTrend).
 * Scores of its indicators are summed and clamped to [−3, 3]; weight 0.30 in weighted scoring
 * (the original system's table, perptrix-behaviour.md §3.1, §3.5).
 * @module
 */
import { defineCategory } from "perptrix";

/** The trend category plugin. */
export default defineCategory({
  id: "trend",
  description: "Trend: EMA cross, SuperTrend",
  clamp: [-3, 3],
  weight: 0.30,
});
