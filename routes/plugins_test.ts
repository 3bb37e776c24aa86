import assert from "node:assert/strict";
import { body, fixtureApp } from "./_test_fixture.ts";

Deno.test("GET /plugins: plugins with configured and default parameters", async () => {
  const { req } = fixtureApp({ plugins: { last_close: { params: { period: 5 } } } });
  const r = await req("/plugins");
  assert.equal(r.status, 200);
  const b = await body<{
    indicators: {
      id: string;
      params: { period: number };
      defaults: { period: number };
      params_schema: { properties: Record<string, unknown> };
      enabled: boolean;
    }[];
    categories: { id: string; clamp: number[] }[];
    stores: { id: string; active: boolean }[];
  }>(r);
  assert.equal(b.indicators[0].id, "last_close");
  assert.equal(b.indicators[0].params.period, 5);
  assert.equal(b.indicators[0].defaults.period, 2);
  assert.ok("period" in b.indicators[0].params_schema.properties);
  assert.equal(b.indicators[0].enabled, true);
  assert.deepEqual(b.categories[0].clamp, [-3, 3]);
  assert.deepEqual(b.stores, [{ id: "memory", description: "memory", active: true }]);
});

Deno.test("GET /plugins: a disabled indicator is listed as disabled", async () => {
  const { req } = fixtureApp({ plugins: { last_close: { enabled: false } } });
  const b = await body<{ indicators: { enabled: boolean }[] }>(await req("/plugins"));
  assert.equal(b.indicators[0].enabled, false);
});
