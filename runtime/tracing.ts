/**
 * Tracing over `@opentelemetry/api`. Spans are exported by Deno's built-in OpenTelemetry
 * (`OTEL_DENO=true`, `OTEL_EXPORTER_OTLP_ENDPOINT`), which registers the global tracer provider;
 * without it every call here is the API's no-op. Parents are passed explicitly rather than through
 * an async context manager, and cross-process parents travel as a W3C `traceparent` string in the
 * job, so the chain ingestion → evaluation → store survives the queue.
 * @module
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";

/** The project's tracer (a proxy until a provider is registered, then the real one). */
export function tracer(): Tracer {
  return trace.getTracer("perptrix");
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span's W3C `traceparent`, or undefined for a no-op (invalid) span. */
export function traceparentOf(span: Span): string | undefined {
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** A context whose parent is the remote span named by `traceparent` (root when absent/bad). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  const m = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!m) return ROOT_CONTEXT;
  const sc = { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true };
  if (!trace.isSpanContextValid(sc)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}

/**
 * Runs `fn` inside a span that is a child of `parent`; records an exception and error status
 * when `fn` throws, and always ends the span.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  parent: Context | undefined,
  fn: (span: Span, ctx: Context) => Promise<T> | T,
): Promise<T> {
  const span = tracer().startSpan(name, { attributes }, parent ?? ROOT_CONTEXT);
  const ctx = trace.setSpan(parent ?? ROOT_CONTEXT, span);
  try {
    return await fn(span, ctx);
  } catch (e) {
    span.recordException(e as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
    throw e;
  } finally {
    span.end();
  }
}
