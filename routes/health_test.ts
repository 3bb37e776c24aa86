import assert from "node:assert/strict";
import { body, fixtureApp } from "./_test_fixture.ts";

Deno.test("GET /health: ok with uptime, service and checks", async () => {
  const { req } = fixtureApp();
  const r = await req("/health");
  assert.equal(r.status, 200);
  const b = await body<
    {
      status: string;
      uptime_seconds: number;
      service: string;
      checks: Record<string, { ok: boolean }>;
    }
  >(r);
  assert.equal(b.status, "ok");
  assert.equal(b.service, "perptrix");
  assert.ok(b.uptime_seconds >= 4);
  assert.equal(b.checks.store.ok, true);
});

Deno.test("GET /health: 503 when a required dependency is down, 200 degraded otherwise", async () => {
  let f = fixtureApp({}, {
    checks: {
      store: () => ({ ok: true, required: true }),
      redis: () => ({ ok: false, detail: "connecting", required: true }),
    },
  });
  let r = await f.req("/health");
  assert.equal(r.status, 503);
  assert.equal((await body(r)).status, "down");
  f = fixtureApp({}, {
    checks: {
      store: () => ({ ok: true, required: true }),
      provider: () => ({ ok: false, required: false }),
      broken: () => Promise.reject(new Error("boom")),
    },
  });
  r = await f.req("/health");
  const b = await body<{ status: string; checks: Record<string, { ok: boolean }> }>(r);
  assert.equal(r.status, 503); // a check that throws counts as a required failure
  assert.equal(b.checks.broken.ok, false);
});
