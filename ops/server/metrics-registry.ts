import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { TIDEMARK_VERSION } from './version.js';

/** The role's metrics registry: Node process metrics plus Tidemark's own (prefix `tidemark_`). */
export function createMetricsRegistry(role: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({
    name: 'tidemark_build_info',
    help: 'A metric with a constant 1 value labeled by version, role and Node.js version.',
    labelNames: ['version', 'role', 'nodejs'] as const,
    registers: [registry],
  });
  info.set({ version: TIDEMARK_VERSION, role, nodejs: process.version }, 1);
  return registry;
}
