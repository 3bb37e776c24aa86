/**
 * The perp category: perpetual-futures positioning (funding rate, open interest).
 * Scores of its indicators are summed and clamped to [−2, 2]; weight 0.15 in weighted scoring
 * (the original system's table, perptrix-behaviour.md §3.1, §3.5).
 * @module
 */
import { defineCategory } from "perptrix";

/** The perp category plugin. */
export default defineCategory({
  id: "perp",
  description: "Perp: funding rate, open interest",
  clamp: [-2, 2],
  weight: 0.15,
});
