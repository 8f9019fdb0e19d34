import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { TIDEMARK_VERSION } from './version.js';

/** How often the event-loop-lag monitor samples the loop (ms). */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 100;

/** The role's metrics registry: Node process metrics plus Tidemark's own (prefix `tidemark_`). */
export function createMetricsRegistry(role: string): Registry {
  const registry = new Registry();
  // The event-loop-lag monitor's timer woke an idle process 100 times a second at its default 10 ms
  // precision (most of an idle `up`'s wakeups); at 100 ms the lag percentiles sample 10 loop turns a second.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
  const info = new Gauge({
    name: 'tidemark_build_info',
    help: 'A metric with a constant 1 value labeled by version, role and Node.js version.',
    labelNames: ['version', 'role', 'nodejs'] as const,
    registers: [registry],
  });
  info.set({ version: TIDEMARK_VERSION, role, nodejs: process.version }, 1);
  return registry;
}
