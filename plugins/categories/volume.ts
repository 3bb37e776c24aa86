/**
 * The volume category: participation behind the move (OBV, volume profile).
 * Scores of its indicators are summed and clamped to [−2, 2]; weight 0.15 in weighted scoring
 * (the original system's table, perptrix-behaviour.md §3.1, §3.5).
 * @module
 */
import { defineCategory } from "perptrix";

/** The volume category plugin. */
export default defineCategory({
  id: "volume",
  description: "Volume: OBV, volume profile",
  clamp: [-2, 2],
  weight: 0.15,
});
