import assert from "node:assert/strict";
import { ProgressBar } from "./progress.ts";

Deno.test("progress: frames show bar, percent, counts, rate and ETA", () => {
  const bar = new ProgressBar({ total: 1_000_000, label: "BTC 1m", width: 10, write: () => {} });
  const f = bar.frame(250_000, 500);
  assert.match(
    f,
    /^BTC 1m \[###-------\] {2}25\.0% 250,000\/1,000,000 500\.0k candles\/s ETA 1\.5s$/,
  );
  assert.match(bar.frame(0, 0), /0\.0% .* ETA -$/);
});

Deno.test("progress: throttled redraws with \\r, one final line", () => {
  const out: string[] = [];
  let now = 0;
  const bar = new ProgressBar({
    total: 100,
    write: (s) => out.push(s),
    now: () => now,
    minIntervalMs: 100,
  });
  bar.update(1);
  now = 50;
  bar.update(2); // within 100 ms: skipped
  now = 150;
  bar.update(3);
  bar.finish();
  bar.finish(); // idempotent
  bar.update(4); // after finish: nothing
  assert.equal(out.length, 3);
  assert.ok(out.every((s) => s.startsWith("\r")));
  assert.ok(out[2].endsWith("\n"));
  assert.match(out[2], /100\.0% 100\/100/);
});
