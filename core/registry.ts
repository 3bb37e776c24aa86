/**
 * Plugin discovery through the import map.
 *
 * `deno.json` maps `@perptrix/plugins/` and `@perptrix/providers/` to their folders; discovery
 * resolves those specifiers, lists the folders and imports every plugin module. Because it only
 * uses `import.meta.resolve`, `Deno.readDir` and dynamic `import()`, it works the same in a
 * `deno compile` binary built with `--include=plugins --include=providers`.
 *
 * A plugin module is a `*.ts` file, or a folder's `mod.ts`, directly inside
 * `plugins/indicators/`, `plugins/categories/`, `plugins/stores/` or `providers/`. Names starting
 * with `_` or `.`, and `*_test.ts` / `*_bench.ts` / `*.d.ts` files, are helpers, not plugins.
 * @module
 */
import { z } from "zod";
import type { Category } from "./category.ts";
import type { Indicator } from "./indicator.ts";
import type { ProviderPlugin } from "./provider.ts";
import type { StorePlugin } from "./store.ts";

/** The four plugin kinds. */
export type PluginKind = "indicator" | "category" | "store" | "provider";

/** Every registered plugin by kind and id, plus the file each came from. */
export interface Registry {
  /** Indicator plugins by id, in discovery order (roots in turn, files by name). */
  indicators: Map<string, Indicator>;
  /** Category plugins by id, in discovery order: the engine's default category order. */
  categories: Map<string, Category>;
  /** Store plugins by id; `config.store` picks one. */
  stores: Map<string, StorePlugin>;
  /** Provider plugins by id; `config.provider` picks one. */
  providers: Map<string, ProviderPlugin>;
  /** `kind:id` → the module URL it was loaded from. */
  sources: Map<string, string>;
}

/** Discovery failed: `problems` names each file and what is wrong with it. */
export class PluginError extends Error {
  /** `"PluginError"`: what logs and stack traces show instead of the generic `"Error"`. */
  override name = "PluginError";
  /** The message lists `problems`, one per indented line. */
  constructor(readonly problems: string[]) {
    super(`plugin discovery failed:\n  ${problems.join("\n  ")}`);
  }
}

/** A folder to scan and the kind of plugin it holds. */
export interface PluginRoot {
  /** The contract every module in the folder is checked against. */
  kind: PluginKind;
  /** Folder URL (or absolute path). */
  dir: string | URL;
}

/** Options for {@linkcode discover}. */
export interface DiscoverOptions {
  /** Folders to scan; defaults to the four import-map folders. */
  roots?: PluginRoot[];
  /** Extra folders scanned after the defaults (e.g. a user's own plugins). */
  extraRoots?: PluginRoot[];
}

const ID = z.string().regex(/^[a-z][a-z0-9_\-]{0,63}$/, "ids are lower-case, [a-z0-9_-], ≤ 64");
const fn = z.custom<(...a: unknown[]) => unknown>((v) => typeof v === "function", {
  message: "must be a function",
});
const zodSchema = z.custom<z.ZodType>(
  (v) => typeof (v as z.ZodType)?.safeParse === "function",
  { message: "must be a zod schema" },
);

const IndicatorShape = z.object({
  kind: z.literal("indicator"),
  id: ID,
  category: ID,
  description: z.string().min(1),
  params: zodSchema,
  outputs: z.array(z.string().min(1)).min(1),
  states: z.array(z.string().min(1)).min(1),
  warmup: fn,
  create: fn,
  evaluate: fn,
});
const CategoryShape = z.object({
  kind: z.literal("category"),
  id: ID,
  description: z.string().min(1),
  clamp: z.tuple([z.number(), z.number()]).refine(([a, b]) => a <= b, "clamp must be [min, max]"),
  weight: z.number().min(0).max(1),
  combine: fn.optional(),
});
const FactoryShape = (kind: "store" | "provider") =>
  z.object({ kind: z.literal(kind), id: ID, description: z.string().min(1), create: fn });

const SHAPES: Record<PluginKind, z.ZodType> = {
  indicator: IndicatorShape,
  category: CategoryShape,
  store: FactoryShape("store"),
  provider: FactoryShape("provider"),
};

/** The default roots, resolved through the import map. */
export function defaultRoots(): PluginRoot[] {
  const plugins = import.meta.resolve("@perptrix/plugins/");
  return [
    { kind: "category", dir: new URL("categories/", plugins) },
    { kind: "indicator", dir: new URL("indicators/", plugins) },
    { kind: "store", dir: new URL("stores/", plugins) },
    { kind: "provider", dir: import.meta.resolve("@perptrix/providers/") },
  ];
}

function toDirUrl(dir: string | URL): URL {
  if (dir instanceof URL) return dir.href.endsWith("/") ? dir : new URL(dir.href + "/");
  if (/^[a-z]+:\/\//i.test(dir)) return new URL(dir.endsWith("/") ? dir : dir + "/");
  const abs = dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`;
  return new URL(`file://${abs.endsWith("/") ? abs : abs + "/"}`);
}

function isHelper(name: string): boolean {
  return name.startsWith("_") || name.startsWith(".");
}

/** Module files Deno imports as they are: a plugin may be written in TypeScript or JavaScript. */
const PLUGIN_FILE = /\.(ts|mts|js|mjs)$/;
/** Declarations, tests and benches beside the plugins. */
const NOT_PLUGIN_FILE = /\.d\.m?ts$|_(test|bench)\.(ts|mts|js|mjs)$/;

/** Lists the plugin module URLs in one folder, sorted by name for a deterministic order. */
export async function listPluginModules(dir: string | URL): Promise<URL[]> {
  const base = toDirUrl(dir);
  const out: URL[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(base));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw e;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (isHelper(e.name)) continue;
    if (e.isFile) {
      if (!PLUGIN_FILE.test(e.name) || NOT_PLUGIN_FILE.test(e.name)) continue;
      out.push(new URL(e.name, base));
    } else if (e.isDirectory) {
      const mod = new URL(`${e.name}/mod.ts`, base);
      try {
        if ((await Deno.stat(mod)).isFile) out.push(mod);
      } catch { /* a folder without mod.ts is not a plugin */ }
    }
  }
  return out;
}

function shortPath(url: URL | string): string {
  const s = typeof url === "string" ? url : url.href;
  const root = import.meta.resolve("../");
  return s.startsWith(root) ? s.slice(root.length) : s.replace(/^file:\/\//, "");
}

/**
 * The file plugin `kind:id` was loaded from, relative to the project root when inside it (e.g.
 * `plugins/indicators/rsi.ts`); `undefined` when `sources` does not know it.
 */
export function pluginFile(
  sources: ReadonlyMap<string, string>,
  kind: PluginKind,
  id: string,
): string | undefined {
  const url = sources.get(`${kind}:${id}`);
  return url === undefined ? undefined : shortPath(url);
}

/**
 * Imports every plugin module and validates it against its contract. All problems (import
 * failures, contract violations, duplicate ids, indicators naming unknown categories) are
 * collected and thrown together as a {@linkcode PluginError}.
 */
export async function discover(opts: DiscoverOptions = {}): Promise<Registry> {
  const roots = [...(opts.roots ?? defaultRoots()), ...(opts.extraRoots ?? [])];
  const reg: Registry = {
    indicators: new Map(),
    categories: new Map(),
    stores: new Map(),
    providers: new Map(),
    sources: new Map(),
  };
  const problems: string[] = [];
  for (const root of roots) {
    let mods: URL[];
    try {
      mods = await listPluginModules(root.dir);
    } catch (e) {
      problems.push(
        `${shortPath(toDirUrl(root.dir))}: cannot list folder: ${(e as Error).message}`,
      );
      continue;
    }
    for (const url of mods) {
      const file = shortPath(url);
      let mod: Record<string, unknown>;
      try {
        mod = await import(url.href);
      } catch (e) {
        problems.push(`${file}: failed to import: ${(e as Error).message.split("\n")[0]}`);
        continue;
      }
      const plugin = mod.default as { kind?: unknown; id?: unknown } | undefined;
      if (plugin === undefined) {
        problems.push(`${file}: has no default export (export default a ${root.kind} plugin)`);
        continue;
      }
      const r = SHAPES[root.kind].safeParse(plugin);
      if (!r.success) {
        const why = r.error.issues.map((i) => `${i.path.join(".") || "(export)"}: ${i.message}`);
        problems.push(`${file}: breaks the ${root.kind} contract: ${why.join("; ")}`);
        continue;
      }
      if (root.kind === "indicator") {
        const ind = plugin as Indicator;
        const d = ind.params.safeParse({});
        if (!d.success) {
          problems.push(`${file}: params.parse({}) fails; every parameter needs a default`);
          continue;
        }
      }
      const id = plugin.id as string;
      const key = `${root.kind}:${id}`;
      const prev = reg.sources.get(key);
      if (prev !== undefined) {
        problems.push(`duplicate ${root.kind} id "${id}" in ${shortPath(prev)} and ${file}`);
        continue;
      }
      reg.sources.set(key, url.href);
      const map = {
        indicator: reg.indicators,
        category: reg.categories,
        store: reg.stores,
        provider: reg.providers,
      }[root.kind] as Map<string, unknown>;
      map.set(id, plugin);
    }
  }
  for (const ind of reg.indicators.values()) {
    if (!reg.categories.has(ind.category)) {
      problems.push(
        `${shortPath(reg.sources.get(`indicator:${ind.id}`)!)}: category "${ind.category}" ` +
          `is not registered (known: ${[...reg.categories.keys()].join(", ")})`,
      );
    }
  }
  if (problems.length > 0) throw new PluginError(problems);
  return reg;
}

/** An enabled indicator with its validated parameters. */
export interface ConfiguredIndicator {
  /** The registered plugin. */
  indicator: Indicator;
  /** `config.plugins[id].params` as the plugin's schema parsed them (defaults filled in). */
  params: unknown;
}

/**
 * Applies `config.plugins` to a registry: drops disabled indicators and validates every
 * indicator's parameters. Problems are reported as `plugins.<id>.params.<key>: message`.
 */
export function configureIndicators(
  reg: Registry,
  plugins: Record<string, { enabled: boolean; params: Record<string, unknown> }>,
): { indicators: ConfiguredIndicator[]; problems: string[] } {
  const problems: string[] = [];
  const known = new Set<string>();
  for (const key of reg.sources.keys()) known.add(key.slice(key.indexOf(":") + 1));
  for (const id of Object.keys(plugins)) {
    if (!known.has(id)) {
      problems.push(`plugins.${id}: no plugin has this id (known: ${[...known].join(", ")})`);
    }
  }
  const indicators: ConfiguredIndicator[] = [];
  for (const ind of reg.indicators.values()) {
    const pc = plugins[ind.id];
    if (pc && !pc.enabled) continue;
    const r = ind.params.safeParse(pc?.params ?? {});
    if (!r.success) {
      for (const i of r.error.issues) {
        problems.push(
          `plugins.${ind.id}.params${i.path.map((p) => `.${String(p)}`).join("")}: ${i.message}`,
        );
      }
      continue;
    }
    indicators.push({ indicator: ind, params: r.data });
  }
  return { indicators, problems };
}
