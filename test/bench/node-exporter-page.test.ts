import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../schemas/exposition/index.js';
import { pullAll } from './exposition.js';
import { nodeExporterPage } from './node-exporter-page.js';

describe('nodeExporterPage', () => {
  it('generates exactly the requested number of lines, the same page for the same seed', () => {
    const a = nodeExporterPage({ lines: 100_000 });
    expect(a.text.split('\n').length - 1).toBe(100_000);
    expect(a.lines).toBe(100_000);
    expect(nodeExporterPage({ lines: 100_000 }).text).toBe(a.text);
    expect(nodeExporterPage({ lines: 100_000, seed: 2 }).text).not.toBe(a.text);
  });

  it('is a valid page in both formats, with histograms, counters and gauges', () => {
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const page = nodeExporterPage({ lines: 5_000, format });
      const r = parseExposition(page.text, { format });
      expect(r.samples.length).toBe(page.samples);
      expect(new Set(r.families.map((f) => f.type))).toEqual(new Set(['counter', 'gauge', 'histogram']));
      expect(pullAll(page.text, format)).toBe(page.samples);
    }
  });
});
