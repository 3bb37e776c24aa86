import assert from "node:assert/strict";
import { body, fixtureApp, TOKEN } from "./_test_fixture.ts";

const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
// Valid against the fixture's plugins (one category, one indicator that also feeds the stops).
const profile = {
  scoring: "integer",
  indicators: { last_close: { params: { period: 3 } } },
  confidence: { categories: ["trend"], aligned: [] },
  stops: { indicator: "last_close", value: "close" },
};

function send(method: string, b: unknown, headers: Record<string, string> = auth): RequestInit {
  return { method, headers, body: typeof b === "string" ? b : JSON.stringify(b) };
}

Deno.test("strategies: create, read, list, update, delete", async () => {
  const { req } = fixtureApp({ api_token: TOKEN });
  let r = await req("/strategies", send("POST", { id: "mine", name: "Mine", config: profile }));
  assert.equal(r.status, 201);
  const created = await body(r);
  assert.equal(created.id, "mine");
  r = await req("/strategies/mine");
  assert.equal(r.status, 200);
  assert.equal((await body(r)).name, "Mine");
  const list = await body<{ strategies: { id: string; builtin: boolean }[] }>(
    await req("/strategies"),
  );
  assert.ok(list.strategies.some((s) => s.id === "mine" && !s.builtin));
  assert.ok(list.strategies.some((s) => s.id === "default" && s.builtin));
  r = await req("/strategies", send("POST", { id: "mine", config: profile }));
  assert.equal(r.status, 409);
  r = await req("/strategies/mine", send("PUT", { config: { ...profile, scoring: "weighted" } }));
  assert.equal(r.status, 200);
  const updated = await body<{ name: string; config: { scoring: string } }>(r);
  assert.equal(updated.name, "Mine");
  assert.equal(updated.config.scoring, "weighted");
  r = await req("/strategies/other", send("PUT", { config: profile }));
  assert.equal(r.status, 201);
  r = await req("/strategies/mine", { method: "DELETE", headers: auth });
  assert.equal(r.status, 204);
  r = await req("/strategies/mine", { method: "DELETE", headers: auth });
  assert.equal(r.status, 404);
  assert.equal((await req("/strategies/mine")).status, 404);
  assert.equal((await req("/strategies/default")).status, 200);
});

Deno.test("strategies: validation names the field", async () => {
  const { req } = fixtureApp({ api_token: TOKEN });
  const cases: [unknown, string][] = [
    [{ id: "Bad Id", config: profile }, "id"],
    [{ id: "x", config: { ...profile, scoring: "fancy" } }, "config.scoring"],
    [
      { id: "x", config: { thresholds: { strong_long: 1, long: 2, short: -2, strong_short: -3 } } },
      "config.thresholds.strong_long",
    ],
    [{ id: "x", config: { indicators: { nope: {} } } }, "config.indicators"],
    [
      { id: "x", config: { indicators: { last_close: { params: { period: 0 } } } } },
      "config.indicators",
    ],
    [{ id: "x", config: profile, extra: 1 }, "extra"],
    [{ config: profile }, "id"],
  ];
  for (const [b, field] of cases) {
    const r = await req("/strategies", send("POST", b));
    assert.equal(r.status, 400, JSON.stringify(b));
    const e = await body<{ field: string }>(r);
    assert.ok(e.field.startsWith(field), `${e.field} vs ${field}`);
  }
  let r = await req("/strategies", send("POST", "{not json"));
  assert.equal(r.status, 400);
  assert.equal((await body(r)).field, "body");
  r = await req("/strategies", send("POST", "{}", { authorization: `Bearer ${TOKEN}` }));
  assert.equal(r.status, 415);
  r = await req("/strategies/BAD!", send("PUT", { config: profile }));
  assert.equal(r.status, 400);
});

Deno.test("strategies: mutations need the token; disabled without one", async () => {
  const on = fixtureApp({ api_token: TOKEN });
  const ct = { "content-type": "application/json" };
  let r = await on.req("/strategies", send("POST", { id: "a", config: profile }, ct));
  assert.equal(r.status, 401);
  assert.equal((await body(r)).error, "unauthorized");
  r = await on.req(
    "/strategies",
    send("POST", { id: "a", config: profile }, { ...ct, authorization: "Bearer wrong" }),
  );
  assert.equal(r.status, 401);
  r = await on.req("/strategies/a", { method: "DELETE", headers: { authorization: "Basic x" } });
  assert.equal(r.status, 401);
  // Reads stay open.
  assert.equal((await on.req("/strategies")).status, 200);

  const off = fixtureApp({ api_token: "" });
  r = await off.req("/strategies", send("POST", { id: "a", config: profile }));
  assert.equal(r.status, 403);
  assert.equal((await body(r)).error, "mutations_disabled");
  r = await off.req("/strategies/a", send("PUT", { config: profile }));
  assert.equal(r.status, 403);
  r = await off.req("/strategies/a", { method: "DELETE", headers: auth });
  assert.equal(r.status, 403);
});

Deno.test("strategies: oversized body is 413 JSON", async () => {
  const { req } = fixtureApp({ api_token: TOKEN });
  const big = { id: "big", name: "x".repeat(5000), config: profile };
  const r = await req("/strategies", send("POST", big));
  assert.equal(r.status, 413);
  assert.equal((await body(r)).error, "payload_too_large");
});

Deno.test("strategies: a stored profile the configuration uses cannot be deleted", async () => {
  const { req } = fixtureApp({ api_token: TOKEN, strategies: { ETH: "mine" } });
  assert.equal(
    (await req("/strategies", send("POST", { id: "mine", config: profile }))).status,
    201,
  );
  let r = await req("/strategies/mine", { method: "DELETE", headers: auth });
  assert.equal(r.status, 409);
  const e = await body<{ message: string; field: string }>(r);
  assert.match(e.message, /strategies\.ETH/);
  assert.equal(e.field, "id");
  assert.equal((await req("/strategies/mine")).status, 200, "still there");
  // A stored override of a built-in may go: the built-in takes over again.
  assert.equal((await req("/strategies/default", send("PUT", { config: profile }))).status, 201);
  r = await req("/strategies/default", { method: "DELETE", headers: auth });
  assert.equal(r.status, 204);
  assert.equal((await body<{ builtin: boolean }>(await req("/strategies/default"))).builtin, true);
});

Deno.test("strategies: profiles are checked with config.plugins applied, as start-up does", async () => {
  const plugins = { last_close: { enabled: false } };
  const { req } = fixtureApp({ api_token: TOKEN, plugins });
  // The stops read an indicator this deployment switched off: start-up would refuse it.
  for (
    const r of [
      await req("/strategies", send("POST", { id: "mine", config: profile })),
      await req("/strategies/default", send("PUT", { config: profile })),
    ]
  ) {
    assert.equal(r.status, 400);
    assert.match((await body<{ message: string }>(r)).message, /last_close/);
  }
  assert.equal((await req("/strategies/mine")).status, 404, "nothing was stored");
});

Deno.test("strategies: concurrent creates of one id: one 201, the other 409", async () => {
  const { req } = fixtureApp({ api_token: TOKEN });
  const rs = await Promise.all(
    [1, 2, 3].map((k) =>
      req("/strategies", send("POST", { id: "dup", name: `n${k}`, config: profile }))
    ),
  );
  assert.deepEqual(rs.map((r) => r.status).sort(), [201, 409, 409]);
  const winner = await body<{ name: string }>(rs.find((r) => r.status === 201)!);
  assert.equal((await body<{ name: string }>(await req("/strategies/dup"))).name, winner.name);
});
