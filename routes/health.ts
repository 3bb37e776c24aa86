/**
 * GET /health: liveness plus per-dependency checks; 503 when a required dependency is down.
 * @module
 */
import { Hono } from "hono";
import type { ApiEnv } from "./deps.ts";

const CHECK_TIMEOUT_MS = 2000;

async function timed<T>(p: Promise<T> | T, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      Promise.resolve(p),
      new Promise<T>((r) => timer = setTimeout(() => r(fallback), CHECK_TIMEOUT_MS)),
    ]);
  } catch (e) {
    return { ...fallback, detail: (e as Error).message } as T;
  } finally {
    clearTimeout(timer);
  }
}

/** The /health route. */
export const health: Hono<ApiEnv> = new Hono<ApiEnv>().get("/", async (c) => {
  const deps = c.get("deps");
  const entries = await Promise.all(
    Object.entries(deps.checks).map(async ([name, check]) => {
      const h = await timed(check(), { ok: false, detail: "check timed out", required: true });
      return [name, h] as const;
    }),
  );
  const checks = Object.fromEntries(entries);
  const down = entries.some(([, h]) => !h.ok && h.required !== false);
  const degraded = entries.some(([, h]) => !h.ok);
  return c.json({
    status: down ? "down" : degraded ? "degraded" : "ok",
    service: "perptrix",
    version: deps.version,
    roles: deps.roles,
    uptime_seconds: Math.round((Date.now() - deps.startedAt) / 1000),
    checks,
  }, down ? 503 : 200);
});
