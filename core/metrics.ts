/**
 * Prometheus metrics: one registry per process, get-or-create helpers so any module can count
 * without wiring. Label values must never carry secrets.
 * @module
 */
import client from "prom-client";

/** The process-wide registry served at GET /metrics. */
export const registry: client.Registry = new client.Registry();

/** Gets or creates a counter. */
export function counter<L extends string = string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): client.Counter<L> {
  const m = registry.getSingleMetric(name);
  if (m) return m as client.Counter<L>;
  return new client.Counter<L>({ name, help, labelNames, registers: [registry] });
}

/** Gets or creates a gauge. */
export function gauge<L extends string = string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): client.Gauge<L> {
  const m = registry.getSingleMetric(name);
  if (m) return m as client.Gauge<L>;
  return new client.Gauge<L>({ name, help, labelNames, registers: [registry] });
}

/** Gets or creates a histogram (buckets in seconds unless stated). */
export function histogram<L extends string = string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
): client.Histogram<L> {
  const m = registry.getSingleMetric(name);
  if (m) return m as client.Histogram<L>;
  return new client.Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
}
