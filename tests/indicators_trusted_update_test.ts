/**
 * The trusted update path (`IndicatorState.updateTrusted`, what the engine calls after its own
 * validation) must be the same state change as `update`: for every discovered indicator, two
 * states fed the same real candles, one each way, agree on count, values and signal at every bar,
 * and a direct `update` after trusted ones still refuses an out-of-order bar.
 * @module
 */
import assert from "node:assert/strict";
import { CandleError } from "../mod.ts";
import { discover } from "../core/registry.ts";
import { BTC_1M, loadCandles } from "./data.ts";

const candles = loadCandles(BTC_1M).slice(0, 5000).map((c, i) => ({
  ...c,
  // Perp fields on some bars so funding and open interest move too.
  ...(i % 60 === 0 ? { fundingRate: ((i % 7) - 3) * 1e-5 } : {}),
  ...(i % 5 === 0 ? { openInterest: 1000 + (i % 97) } : {}),
}));

Deno.test("updateTrusted is the same state change as update, for every indicator", async () => {
  const reg = await discover();
  const indicators = [...reg.indicators.values()];
  assert.ok(indicators.length >= 10);
  for (const ind of indicators) {
    const params = ind.params.parse({});
    const checked = ind.create(params);
    const trusted = ind.create(params);
    if (trusted.updateTrusted === undefined) continue;
    for (const c of candles) {
      checked.update(c);
      trusted.updateTrusted(c);
      assert.equal(trusted.count, checked.count, ind.id);
      assert.deepEqual(trusted.values(), checked.values(), `${ind.id} at ${c.time}`);
      assert.deepEqual(ind.evaluate(trusted, params), ind.evaluate(checked, params), ind.id);
    }
    const last = candles[candles.length - 1];
    assert.throws(() => trusted.update(last), CandleError, `${ind.id} refuses a repeated bar`);
  }
});
