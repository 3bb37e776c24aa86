/**
 * Confidence: how strongly and how unanimously the categories lean (behaviour spec §3.3,
 * generalised to any list of categories).
 * @module
 */

/** A confidence rule resolved to positions in the engine's category array. */
export interface ConfidencePlan {
  /** Positions of the categories whose magnitudes count. */
  members: readonly number[];
  /** Sum of those categories' clamp maxima (seed: 3 + 3 + 2 + 2 = 10). */
  maxMagnitude: number;
  /** Positions of the categories that must agree for the boost (seed: trend, momentum). */
  aligned: readonly number[];
  /** Factor on the base confidence when every aligned category agrees (seed 1.2). */
  boost: number;
  /** Factor on the base confidence when they do not (seed 0.8). */
  penalty: number;
}

/**
 * `base = max(Σ positive, Σ |negative|) / maxMagnitude` over the members; × `boost` when every
 * aligned category is strictly positive or every one strictly negative, else × `penalty` (no
 * aligned categories: × 1). Clamped to [0, 1], rounded to 4 decimals. Independent of the
 * direction, as in the seed.
 */
export function confidence(scores: ArrayLike<number>, plan: ConfidencePlan): number {
  if (!(plan.maxMagnitude > 0)) return 0;
  let pos = 0;
  let neg = 0;
  const members = plan.members;
  for (let k = 0; k < members.length; k++) {
    const s = scores[members[k]];
    if (s > 0) pos += s;
    else if (s < 0) neg -= s;
  }
  const base = (pos > neg ? pos : neg) / plan.maxMagnitude;
  let factor = 1;
  const aligned = plan.aligned;
  if (aligned.length > 0) {
    let allUp = true;
    let allDown = true;
    for (let k = 0; k < aligned.length; k++) {
      const s = scores[aligned[k]];
      if (!(s > 0)) allUp = false;
      if (!(s < 0)) allDown = false;
    }
    factor = allUp || allDown ? plan.boost : plan.penalty;
  }
  let c = base * factor;
  if (!(c > 0)) c = 0;
  else if (c > 1) c = 1;
  return Math.round(c * 10_000) / 10_000;
}
