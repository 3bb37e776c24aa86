/**
 * The value area of a volume profile, shared by its grid and range modes: grown from the POC one
 * row at a time toward the larger neighbour (the lower one on a tie) until it holds `target`
 * volume. O(rows); only for values() and the VAH/VAL getters, never the hot path.
 * @module
 */

/** Relative tolerance under which two row volumes count as equal (ties are deterministic). */
export const VOLUME_TIE = 1e-9;

/**
 * Returns `[low, high]` row indexes of the value area. `vol(i)` is the (non-negative) volume of
 * row `i` for `lo <= i <= hi`; the area starts at `poc`.
 */
export function valueArea(
  vol: (row: number) => number,
  poc: number,
  lo: number,
  hi: number,
  target: number,
): [number, number] {
  let a = poc;
  let z = poc;
  let acc = vol(poc);
  while (acc < target) {
    const up = z < hi ? vol(z + 1) : -1;
    const dn = a > lo ? vol(a - 1) : -1;
    if (up < 0 && dn < 0) break;
    if (up > dn + VOLUME_TIE * dn) {
      acc += up;
      z++;
    } else {
      acc += dn;
      a--;
    }
  }
  return [a, z];
}
