/**
 * Measures the memory of one (symbol, interval)'s indicator states: builds 1000 state sets of
 * every indicator plugin, feeds each 600 GBM candles (every window full), and prints the heap
 * growth per set between two forced garbage collections. Run by indicators_bench.ts as
 * `deno run --v8-flags=--expose-gc --allow-read=. bench/_state_size.ts`; prints bytes per set.
 * @module
 */
import type { Candle, Indicator } from "../mod.ts";

const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

const dir = new URL("../plugins/indicators/", import.meta.url);
const indicators: Indicator[] = [];
for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
  const name = e.isFile ? e.name : `${e.name}/mod.ts`;
  if (e.name.startsWith("_") || name.endsWith("_test.ts") || !name.endsWith(".ts")) continue;
  const mod = await import(new URL(name, dir).href);
  if (mod.default?.kind === "indicator") indicators.push(mod.default);
}

const feed: Candle[] = [];
let price = 60_000;
let seed = 11;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
for (let i = 0; i < 600; i++) {
  const open = price;
  price *= 1 + (rand() - 0.5) * 0.004;
  feed.push({
    time: 1_700_000_000_000 + i * 60_000,
    open,
    high: Math.max(open, price) * 1.0005,
    low: Math.min(open, price) * 0.9995,
    close: price,
    volume: 1 + rand() * 10,
    fundingRate: 1e-5,
    openInterest: 1000 + rand(),
  });
}
const params = indicators.map((i) => i.params.parse({}));
const SETS = 1000;
const keep: unknown[][] = [];
gc();
const before = Deno.memoryUsage().heapUsed;
for (let s = 0; s < SETS; s++) {
  const states = indicators.map((i, k) => i.create(params[k]));
  for (const c of feed) for (const st of states) st.update(c);
  keep.push(states);
}
gc();
const after = Deno.memoryUsage().heapUsed;
console.log(
  JSON.stringify({ indicators: indicators.length, bytesPerSet: (after - before) / keep.length }),
);
