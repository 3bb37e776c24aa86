import assert from "node:assert/strict";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { contextFromTraceparent, inSpan, traceparentOf, tracer } from "./tracing.ts";

const PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const otel = Deno.env.get("OTEL_DENO") === "true";

Deno.test({
  name: "tracing without OTEL_DENO: spans are no-ops that still run the code and carry the parent",
  ignore: otel,
  fn: async () => {
    // Nothing registered a provider: the tracer hands out non-recording spans.
    const root = tracer().startSpan("x");
    assert.equal(root.isRecording(), false);
    assert.equal(traceparentOf(root), undefined, "no ids are invented");
    root.end();

    // A job's traceparent still passes through the no-op span to the next hop.
    const parent = contextFromTraceparent(PARENT);
    const seen = await inSpan("evaluate", { "perptrix.symbol": "BTC" }, parent, (span, ctx) => {
      assert.equal(span.isRecording(), false);
      assert.equal(trace.getSpan(ctx), span);
      return traceparentOf(span);
    });
    assert.equal(seen, PARENT);

    // Errors propagate unchanged.
    const boom = new Error("boom");
    await assert.rejects(inSpan("x", {}, undefined, () => Promise.reject(boom)), (e) => e === boom);
  },
});

Deno.test("traceparent: parsed when valid, the root context otherwise", () => {
  const sc = trace.getSpanContext(contextFromTraceparent(PARENT));
  assert.deepEqual(sc, {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: 1,
    isRemote: true,
  });
  for (
    const bad of [
      undefined,
      "",
      "garbage",
      "00-00000000000000000000000000000000-b7ad6b7169203331-01", // all-zero trace id
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", // all-zero span id
      "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", // upper case
      `${PARENT}-extra`,
    ]
  ) {
    assert.equal(contextFromTraceparent(bad), ROOT_CONTEXT, String(bad));
  }
});
