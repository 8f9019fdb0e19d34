/** The formats `tidemark import` sends, each to its endpoint. */
export type ImportFileFormat = 'vm-json' | 'prometheus' | 'openmetrics' | 'csv';

export const IMPORT_FORMATS: readonly (ImportFileFormat | 'auto')[] = ['auto', 'vm-json', 'prometheus', 'openmetrics', 'csv'];

/** Where each format is posted, and as what. */
export function endpointOf(format: ImportFileFormat, csvFormat: string | undefined): { path: string; contentType: string } {
  switch (format) {
    case 'vm-json':
      return { path: '/api/v1/import', contentType: 'application/json' };
    case 'prometheus':
      return { path: '/api/v1/import/prometheus', contentType: 'text/plain; version=0.0.4' };
    case 'openmetrics':
      return { path: '/api/v1/import/prometheus', contentType: 'application/openmetrics-text; version=1.0.0' };
    case 'csv':
      return { path: `/api/v1/import/csv?format=${encodeURIComponent(csvFormat ?? '')}`, contentType: 'text/csv' };
  }
}

const SAMPLE_TIMESTAMP = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?\s+\S+\s+(\S+)/;

/**
 * The format of a file from its first lines: a JSON object is VictoriaMetrics' export; exposition
 * text is OpenMetrics when it says so (`# EOF`, `# UNIT`) or when its timestamps are seconds
 * (below 10^11, with or without a fraction), else the Prometheus text format (milliseconds).
 * Undefined while the lines seen do not tell.
 */
export function detectFormat(lines: readonly string[], csvFormat: string | undefined): ImportFileFormat | undefined {
  if (csvFormat !== undefined) return 'csv';
  for (const line of lines) {
    const l = line.trim();
    if (l === '') continue;
    if (l.startsWith('{')) return 'vm-json';
    if (l === '# EOF' || l.startsWith('# UNIT ')) return 'openmetrics';
    if (l.startsWith('#')) continue;
    const m = SAMPLE_TIMESTAMP.exec(l.replace(/\s+#\s.*$/, ''));
    if (m !== null) {
      const ts = m[2];
      return ts.includes('.') || Math.abs(Number(ts)) < 1e11 ? 'openmetrics' : 'prometheus';
    }
  }
  return undefined;
}
