import assert from "node:assert/strict";
import { registry } from "../core/metrics.ts";
import { body, fixtureApp } from "./_test_fixture.ts";

Deno.test("every response carries a request id; a sane caller id is kept", async () => {
  const { req } = fixtureApp();
  let r = await req("/signals");
  assert.match(r.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  await r.body?.cancel();
  r = await req("/signals", { headers: { "x-request-id": "abc-123" } });
  assert.equal(r.headers.get("x-request-id"), "abc-123");
  await r.body?.cancel();
  r = await req("/nope", { headers: { "x-request-id": "bad id\twith tab" } });
  const b = await body(r);
  assert.notEqual(b.request_id, "bad id\twith tab");
  assert.equal(r.headers.get("x-request-id"), b.request_id);
});

Deno.test("unknown routes are JSON 404", async () => {
  const { req } = fixtureApp();
  const r = await req("/does/not/exist");
  assert.equal(r.status, 404);
  assert.equal(r.headers.get("content-type"), "application/json");
  assert.equal((await body(r)).error, "not_found");
});

Deno.test("CORS answers the configured origin only", async () => {
  const { req } = fixtureApp();
  let r = await req("/signals", {
    method: "OPTIONS",
    headers: { origin: "https://app.example", "access-control-request-method": "GET" },
  });
  assert.equal(r.headers.get("access-control-allow-origin"), "https://app.example");
  await r.body?.cancel();
  r = await req("/signals", { headers: { origin: "https://evil.example" } });
  assert.equal(r.headers.get("access-control-allow-origin"), null);
  await r.body?.cancel();
});

Deno.test("a store failure is a JSON 500 without internals", async () => {
  const { req, store } = fixtureApp();
  store.latestSignals = () => Promise.reject(new Error("secret connection string"));
  const r = await req("/signals");
  assert.equal(r.status, 500);
  const b = await body(r);
  assert.equal(b.error, "internal");
  assert.ok(!JSON.stringify(b).includes("secret"));
});

Deno.test("GET /metrics: Prometheus text with HTTP metrics by route pattern", async () => {
  const { req } = fixtureApp();
  await (await req("/signals/BTC?interval=1m")).body?.cancel();
  await (await req("/signals/ETH?interval=1m")).body?.cancel();
  const r = await req("/metrics");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), registry.contentType);
  const text = await r.text();
  assert.match(
    text,
    /perptrix_http_requests_total\{method="GET",route="\/signals\/:symbol",status="200"\} \d+/,
  );
  assert.match(
    text,
    /perptrix_http_request_duration_seconds_bucket\{[^}]*route="\/signals\/:symbol"/,
  );
  assert.ok(!text.includes('route="/signals/BTC"'));
});

Deno.test("GET /metrics: an invented HTTP method does not become a label", async () => {
  const { req } = fixtureApp();
  for (const m of ["FOO1", "FOO2"]) await (await req("/signals", { method: m })).body?.cancel();
  const text = await (await req("/metrics")).text();
  assert.ok(!/method="FOO/.test(text), "no series per invented method");
  assert.match(
    text,
    /perptrix_http_requests_total\{method="other",route="unmatched",status="404"\}/,
  );
});

Deno.test("a store refusing a query's arguments is a 400, not a 500", async () => {
  const { req, store } = fixtureApp();
  store.latestSignals = () => {
    const e = new Error("range from 1 is after to 0");
    e.name = "StoreInputError";
    return Promise.reject(e);
  };
  const r = await req("/signals");
  assert.equal(r.status, 400);
  assert.equal((await body(r)).error, "bad_request");
});

Deno.test("GET /docs: OpenAPI 3.1 generated from the schemas", async () => {
  const { req } = fixtureApp();
  const r = await req("/docs");
  assert.equal(r.status, 200);
  const d = await body<{
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        { parameters?: { name: string; schema: { enum?: string[]; maximum?: number } }[] }
      >
    >;
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  }>(r);
  assert.equal(d.openapi, "3.1.0");
  for (
    const p of [
      "/health",
      "/metrics",
      "/signals",
      "/signals/{symbol}",
      "/candles/{symbol}",
      "/indicators/{symbol}",
      "/plugins",
      "/strategies",
      "/strategies/{id}",
    ]
  ) {
    assert.ok(p in d.paths, p);
  }
  const params = d.paths["/signals/{symbol}"].get.parameters!;
  assert.deepEqual(params.find((p) => p.name === "interval")?.schema.enum, ["1m", "1h"]);
  assert.equal(params.find((p) => p.name === "limit")?.schema.maximum, 1000);
  assert.ok("config" in (d.components.schemas.CreateStrategy.properties ?? {}));
  const ui = await req("/docs/ui");
  assert.match(await ui.text(), /<table/);
});
