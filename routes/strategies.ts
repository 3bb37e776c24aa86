/**
 * /strategies: create, read, update and delete strategy profiles. Reads are open; mutations need
 * `Authorization: Bearer $API_TOKEN` (disabled without a token). Bodies are validated with the
 * engine's StrategyProfileSchema and then compiled against the registered plugins, so a profile
 * naming an unknown indicator or a bad parameter is refused with 400 before it is stored.
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { compileStrategy } from "../core/engine/engine.ts";
import { BUILTIN_PROFILES, StrategyError, StrategyProfileSchema } from "../core/engine/strategy.ts";
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
  config: unknown,
  registry: Parameters<typeof compileStrategy>[2],
): void {
  try {
    compileStrategy(id, config, registry);
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
    const { store, registry } = c.get("deps");
    const body = await parseBody(c, CreateStrategySchema);
    checkAgainstPlugins(body.id, body.config, registry);
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
    return c.json({ ...doc, builtin: false }, 201);
  })
  .put("/:id", requireToken(), async (c) => {
    const { store, registry } = c.get("deps");
    const id = checkId(c.req.param("id"));
    const body = await parseBody(c, UpdateStrategySchema);
    checkAgainstPlugins(id, body.config, registry);
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
    return c.json({ ...doc, builtin: false }, prev ? 200 : 201);
  })
  .delete("/:id", requireToken(), async (c) => {
    const { store } = c.get("deps");
    const id = checkId(c.req.param("id"));
    if (!(await store.deleteStrategy(id))) {
      throw new ApiError(404, "not_found", `no stored strategy "${id}"`, "id");
    }
    return c.body(null, 204);
  });
