/**
 * Indicator states keep NaN internally while warming up (plain numbers, no boxing in the hot
 * path); the public `values()` contract says `null`.
 * @module
 */

/** `x`, or `null` when it is NaN (warm-up). */
export function nullIfNaN(x: number): number | null {
  return x === x ? x : null;
}
