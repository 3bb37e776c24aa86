/**
 * The engine version written into every signal record, so a stored signal says which rules made
 * it. A constant, bumped by hand when the scoring changes; never derived from the clock.
 * @module
 */

/** Version of the scoring rules (semver: major = a changed result for the same input). */
export const ENGINE_VERSION = "1.0.0";
