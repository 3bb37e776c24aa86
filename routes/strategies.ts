/**
 * /strategies: create, read, update and delete strategy profiles. Reads are open; mutations need
 * `Authorization: Bearer $API_TOKEN` (disabled without a token). Bodies are validated with the
 * engine's StrategyProfileSchema and then compiled against the registered plugins with the
 * deployment's `config.plugins` applied, exactly as start-up compiles them, so a profile naming an
 * unknown or disabled indicator or a bad parameter is refused with 400 before it is stored. A
 * stored profile the configuration still uses cannot be deleted (409): the next start would fail.
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Config } from "../core/config.ts";
import { compileStrategy } from "../core/engine/engine.ts";
import { withPluginConfig } from "../core/engine/plugin_config.ts";
import {
  BUILTIN_PROFILES,
  StrategyError,
  type StrategyProfileInput,
  StrategyProfileSchema,
} from "../core/engine/strategy.ts";
import type { Registry } from "../core/registry.ts";
import type { StrategyDoc } from "../core/store.ts";
import type { ApiEnv } from "./deps.ts";
import { ApiError } from "./errors.ts";
import { requireToken } from "./middleware/auth.ts";
import { parseBody } from "./validation.ts";

const StrategyId = z.string().regex(
  /^[a-z][a-z0-9_\-]{0,63}$/,
  "ids are lower-case, [a-z0-9_-], at most 64 characters, starting with a letter",
);

/** Body of POST /strategies. */
export const CreateStrategySchema = z.object({
  id: StrategyId,
  name: z.string().min(1).max(200).optional(),
  config: StrategyProfileSchema,
}).strict();

/** Body of PUT /strategies/:id. */
export const UpdateStrategySchema = z.object({
  name: z.string().min(1).max(200).optional(),
  config: StrategyProfileSchema,
}).strict();

/** A strategy as served: stored documents, and built-in profiles not overridden by one. */
export interface StrategyView extends StrategyDoc {
  builtin: boolean;
}

function builtinView(id: string): StrategyView {
  const body = BUILTIN_PROFILES[id];
  return {
    id,
    name: body.name,
    config: body,
    created_at: 0,
    updated_at: 0,
    builtin: true,
  };
}

function checkAgainstPlugins(
  id: string,
  profile: StrategyProfileInput,
  registry: Registry,
  config: Config,
): void {
  try {
    compileStrategy(id, withPluginConfig(profile, registry, config.plugins), registry);
  } catch (e) {
    if (e instanceof StrategyError) {
      const first = e.problems[0] ?? "invalid";
      const field = first.includes(":") ? `config.${first.slice(0, first.indexOf(":"))}` : "config";
      throw new ApiError(400, "bad_request", `body config: ${e.problems.join("; ")}`, field);
    }
    throw e;
  }
}

function checkId(raw: string): string {
  const r = StrategyId.safeParse(raw);
  if (!r.success) {
    throw new ApiError(400, "bad_request", `path id: ${r.error.issues[0].message}`, "id");
  }
  return r.data;
}

/** The configuration's uses of a strategy id (`default_strategy`, `strategies.SYMBOL`). */
function usesOf(id: string, config: Config): string[] {
  const uses = Object.entries(config.strategies).filter(([, s]) => s === id).map(([sym]) =>
    `strategies.${sym}`
  );
  if (config.default_strategy === id) uses.unshift("default_strategy");
  return uses;
}

/** The last queued task per key (see {@linkcode oneAtATime}). */
const pending = new Map<string, Promise<unknown>>();

/**
 * Runs `task` after every earlier task with the same key has settled, so a check-then-write
 * (POST's "exists?" then put) cannot interleave with another one for the same id in this process.
 */
function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
  const prev = pending.get(key) ?? Promise.resolve();
  const run = prev.then(task, task);
  const settled = run.then(() => {}, () => {});
  pending.set(key, settled);
  settled.then(() => {
    if (pending.get(key) === settled) pending.delete(key);
  });
  return run;
}

/** The /strategies routes. */
export const strategies: Hono<ApiEnv> = new Hono<ApiEnv>()
  .get("/", async (c) => {
    const { store } = c.get("deps");
    const stored: StrategyView[] = (await store.strategies()).map((d) => ({
      ...d,
      builtin: false,
    }));
    const ids = new Set(stored.map((s) => s.id));
    const builtins = Object.keys(BUILTIN_PROFILES).filter((id) => !ids.has(id)).map(builtinView);
    return c.json({ strategies: [...stored, ...builtins] });
  })
  .get("/:id", async (c) => {
    const { store } = c.get("deps");
    const id = checkId(c.req.param("id"));
    const doc = await store.strategy(id);
    if (doc) return c.json({ ...doc, builtin: false });
    if (id in BUILTIN_PROFILES) return c.json(builtinView(id));
    throw new ApiError(404, "not_found", `no strategy "${id}"`, "id");
  })
  .post("/", requireToken(), async (c) => {
    const { store, registry, config } = c.get("deps");
    const body = await parseBody(c, CreateStrategySchema);
    checkAgainstPlugins(body.id, body.config, registry, config);
    const doc = await oneAtATime(`strategy:${body.id}`, async () => {
      if (await store.strategy(body.id)) {
        throw new ApiError(409, "conflict", `strategy "${body.id}" exists; use PUT`, "id");
      }
      const now = Date.now();
      const doc: StrategyDoc = {
        id: body.id,
        name: body.name,
        config: body.config,
        created_at: now,
        updated_at: now,
      };
      await store.putStrategy(doc);
      return doc;
    });
    return c.json({ ...doc, builtin: false }, 201);
  })
  .put("/:id", requireToken(), async (c) => {
    const { store, registry, config } = c.get("deps");
    const id = checkId(c.req.param("id"));
    const body = await parseBody(c, UpdateStrategySchema);
    checkAgainstPlugins(id, body.config, registry, config);
    const [doc, created] = await oneAtATime(`strategy:${id}`, async () => {
      const prev = await store.strategy(id);
      const now = Date.now();
      const doc: StrategyDoc = {
        id,
        name: body.name ?? prev?.name,
        config: body.config,
        created_at: prev?.created_at ?? now,
        updated_at: now,
      };
      await store.putStrategy(doc);
      return [doc, prev === undefined] as const;
    });
    return c.json({ ...doc, builtin: false }, created ? 201 : 200);
  })
  .delete("/:id", requireToken(), async (c) => {
    const { store, config } = c.get("deps");
    const id = checkId(c.req.param("id"));
    const uses = usesOf(id, config);
    // A built-in of the same id takes over again, so only a profile without one is pinned.
    if (uses.length > 0 && !(id in BUILTIN_PROFILES)) {
      throw new ApiError(
        409,
        "conflict",
        `strategy "${id}" is in use by ${uses.join(", ")}; change the configuration first`,
        "id",
      );
    }
    const deleted = await oneAtATime(`strategy:${id}`, () => store.deleteStrategy(id));
    if (!deleted) throw new ApiError(404, "not_found", `no stored strategy "${id}"`, "id");
    return c.body(null, 204);
  });
