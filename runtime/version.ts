/**
 * The release version, printed by `--version` and reported by /health.
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };

/** Version from deno.json. */
export const VERSION: string = denoJson.version;
