import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Several components of one process (`tidemark up` runs them all) and many tests register into one
// registry: a metric already registered under the name is the one to use, not a duplicate error.

/** The registry's counter of this name, created with these help and label names when missing. */
export function registeredCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[] = []): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** The registry's gauge of this name, created with these help and label names when missing. */
export function registeredGauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[] = []): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Gauge<L>;
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** The registry's histogram of this name, created with these help, label names and buckets when missing. */
export function registeredHistogram<L extends string>(registry: Registry, name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Histogram<L>;
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
