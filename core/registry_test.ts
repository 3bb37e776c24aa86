import assert from "node:assert/strict";
import { discover, listPluginModules, PluginError, type PluginRoot } from "./registry.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;

/** A minimal valid indicator plugin module, importing only the public surface. */
function indicatorSource(id: string, category = "momentum"): string {
  return `import { defineIndicator, z } from "${MOD}";
export default defineIndicator({
  id: "${id}",
  category: "${category}",
  description: "test indicator ${id}",
  params: z.object({ period: z.number().int().min(1).default(3) }),
  outputs: ["last"],
  states: ["Up", "Down"],
  warmup: (p) => p.period,
  create: () => {
    const s = { count: 0, last: NaN, prev: NaN,
      update(c) { s.prev = s.last; s.last = c.close; s.count++; },
      values: () => ({ last: s.count > 0 ? s.last : null }) };
    return s;
  },
  evaluate: (s) => s.last >= s.prev
    ? { score: 1, state: "Up", reason: "went up" }
    : { score: -1, state: "Down", reason: "went down" },
});
`;
}

async function withDir(files: Record<string, string>, fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "perptrix-plugins-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      const path = `${dir}/${name}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function problemsOf(roots: PluginRoot[]): Promise<string[]> {
  try {
    await discover({ roots });
  } catch (e) {
    assert.ok(e instanceof PluginError, String(e));
    return e.problems;
  }
  assert.fail("discovery should have failed");
}

Deno.test("helpers, tests and benches are not plugin modules; folders count by mod.ts", async () => {
  await withDir({
    "a.ts": "",
    "b.js": "",
    "c.mts": "",
    "d.mjs": "",
    "_helper.ts": "",
    "a_test.ts": "",
    "a_bench.ts": "",
    "b_test.js": "",
    "types.d.ts": "",
    "types.d.mts": "",
    "notes.md": "",
    "folder/mod.ts": "",
    "_private/mod.ts": "",
    "nomod/x.ts": "",
  }, async (dir) => {
    const mods = (await listPluginModules(dir)).map((u) =>
      u.href.slice(u.href.lastIndexOf(dir) + dir.length + 1)
    );
    assert.deepEqual(mods, ["a.ts", "b.js", "c.mts", "d.mjs", "folder/mod.ts"]);
  });
});

Deno.test("the repository's plugins are all discovered through the import map", async () => {
  const reg = await discover();
  for (const id of ["momentum", "trend", "volatility", "volume", "perp"]) {
    assert.ok(reg.categories.has(id), `category ${id}`);
  }
  for (const ind of reg.indicators.values()) assert.ok(reg.categories.has(ind.category));
});

Deno.test("a new indicator file dropped into a plugins folder is registered", async () => {
  await withDir({ "indicators/my_momentum.ts": indicatorSource("my_momentum") }, async (dir) => {
    const reg = await discover({
      extraRoots: [{ kind: "indicator", dir: `${dir}/indicators` }],
    });
    const ind = reg.indicators.get("my_momentum");
    assert.ok(ind, "registered");
    assert.equal(ind.category, "momentum");
    assert.match(reg.sources.get("indicator:my_momentum")!, /my_momentum\.ts$/);
  });
});

Deno.test("a module that fails to import stops discovery and names the file", async () => {
  await withDir({
    "indicators/broken.ts":
      `import { nothing } from "./does_not_exist.ts";\nexport default nothing;`,
    "indicators/syntax.ts": `export default {{{`,
  }, async (dir) => {
    const problems = await problemsOf([{ kind: "indicator", dir: `${dir}/indicators` }]);
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(problems[0], /indicators\/broken\.ts: failed to import/);
    assert.match(problems[1], /indicators\/syntax\.ts: failed to import/);
  });
});

Deno.test("a contract violation is reported with the file and the broken fields", async () => {
  await withDir({
    "indicators/bad.ts": `export default { kind: "indicator", id: "Bad Id", category: "momentum",
      description: "x", params: {}, outputs: [], states: ["A"], warmup: 3, create() {} };`,
    "indicators/nodefault.ts": `export const x = 1;`,
    "indicators/wrongkind.ts":
      `export default { kind: "store", id: "s", description: "d", create() {} };`,
  }, async (dir) => {
    const problems = await problemsOf([{ kind: "indicator", dir: `${dir}/indicators` }]);
    const text = problems.join("\n");
    assert.match(text, /indicators\/bad\.ts: breaks the indicator contract/);
    for (const field of ["id", "params", "outputs", "warmup", "evaluate"]) {
      assert.match(text, new RegExp(`bad\\.ts:.*\\b${field}:`), field);
    }
    assert.match(text, /nodefault\.ts: has no default export/);
    assert.match(text, /wrongkind\.ts: breaks the indicator contract: kind/);
  });
});

Deno.test("a duplicate id stops discovery and names both files", async () => {
  await withDir({
    "one/indicators/dup.ts": indicatorSource("dup"),
    "two/indicators/dup_again.ts": indicatorSource("dup"),
  }, async (dir) => {
    const problems = await problemsOf([
      { kind: "category", dir: new URL("../plugins/categories/", import.meta.url) },
      { kind: "indicator", dir: `${dir}/one/indicators` },
      { kind: "indicator", dir: `${dir}/two/indicators` },
    ]);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /duplicate indicator id "dup" in .*one\/indicators\/dup\.ts and .*two\/indicators\/dup_again\.ts/,
    );
  });
});

Deno.test("an indicator naming an unknown category is rejected", async () => {
  await withDir({ "indicators/orphan.ts": indicatorSource("orphan", "astrology") }, async (dir) => {
    const problems = await problemsOf([
      { kind: "category", dir: new URL("../plugins/categories/", import.meta.url) },
      { kind: "indicator", dir: `${dir}/indicators` },
    ]);
    assert.match(problems.join("\n"), /orphan\.ts: category "astrology" is not registered/);
  });
});

Deno.test("the compile task embeds every plugin folder", async () => {
  const cfg = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const task: string = cfg.tasks.compile;
  assert.match(task, /--include=plugins\b/);
  assert.match(task, /--include=providers\b/);
  assert.doesNotMatch(task, /(^|\s)-A(\s|$)|--allow-all/);
  assert.equal(cfg.imports["@perptrix/plugins/"], "./plugins/");
  assert.equal(cfg.imports["@perptrix/providers/"], "./providers/");
});
