/**
 * Deep freezing for records a store shares between readers instead of copying per read: a frozen
 * record cannot be changed by one caller under another, and mutating it throws.
 * @module
 */

/** Freezes `v` and everything reachable from it; returns `v`. */
export function deepFreeze<T>(v: T): T {
  if (v === null || typeof v !== "object" || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const x of Object.values(v as object)) deepFreeze(x);
  return v;
}
