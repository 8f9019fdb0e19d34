import { Counter, Gauge, type Registry } from 'prom-client';
import type { ImportEndpoint } from './handler.js';

/** How a request to an import endpoint ended: everything stored, the good lines stored, or nothing. */
export type ImportOutcome = 'stored' | 'partial' | 'refused';

/**
 * Backfill progress as the receiving server sees it, per endpoint: requests by outcome, samples
 * stored, lines read and refused, and when the last request was answered (an import that stalls
 * shows as a timestamp that stops moving).
 */
export class ImportMetrics {
  private readonly requests: Counter<'endpoint' | 'outcome'>;
  private readonly samples: Counter<'endpoint'>;
  private readonly lines: Counter<'endpoint'>;
  private readonly badLines: Counter<'endpoint'>;
  private readonly lastRequest: Gauge<'endpoint'>;

  constructor(registry: Registry) {
    this.requests = metric(registry, 'tidemark_import_requests_total', () => new Counter({ name: 'tidemark_import_requests_total', help: 'Import requests by endpoint and outcome (stored, partial: bad lines refused and the rest stored, refused).', labelNames: ['endpoint', 'outcome'], registers: [registry] }));
    this.samples = metric(registry, 'tidemark_import_samples_total', () => new Counter({ name: 'tidemark_import_samples_total', help: 'Samples stored through the import endpoints.', labelNames: ['endpoint'], registers: [registry] }));
    this.lines = metric(registry, 'tidemark_import_lines_total', () => new Counter({ name: 'tidemark_import_lines_total', help: 'Lines read by the import endpoints.', labelNames: ['endpoint'], registers: [registry] }));
    this.badLines = metric(registry, 'tidemark_import_bad_lines_total', () => new Counter({ name: 'tidemark_import_bad_lines_total', help: 'Lines the import endpoints refused.', labelNames: ['endpoint'], registers: [registry] }));
    this.lastRequest = metric(registry, 'tidemark_import_last_request_timestamp_seconds', () => new Gauge({ name: 'tidemark_import_last_request_timestamp_seconds', help: 'When the last import request was answered.', labelNames: ['endpoint'], registers: [registry] }));
  }

  answered(endpoint: ImportEndpoint, outcome: ImportOutcome, counts: { samples: number; lines: number; badLines: number }): void {
    this.requests.inc({ endpoint, outcome });
    if (counts.samples > 0) this.samples.inc({ endpoint }, counts.samples);
    if (counts.lines > 0) this.lines.inc({ endpoint }, counts.lines);
    if (counts.badLines > 0) this.badLines.inc({ endpoint }, counts.badLines);
    this.lastRequest.set({ endpoint }, Date.now() / 1000);
  }
}

// One registry can hold several import connectors (and tests build many): reuse what is there.
function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
