/** One row of the benchmark table printed by `npm run bench`. */
export interface BenchResult {
  /** Area and case, e.g. "avro decode, 10k series x 1 sample". */
  readonly name: string;
  /** Which program was measured: "tidemark", "prometheus", "victoria-metrics", ... */
  readonly subject: string;
  readonly value: number;
  /** Unit of `value`, e.g. "samples/s", "ms", "bytes/sample". */
  readonly unit: string;
  /** The goal the issue names, as text, e.g. ">= 5M samples/s". */
  readonly goal?: string;
  readonly note?: string;
}

/** A benchmark module: runs its cases and returns rows; it starts and stops what it needs. */
export interface Benchmark {
  readonly area: string;
  run(): Promise<BenchResult[]>;
  /** Prose kept under the area's table in RESULTS.md (where the time goes, what was changed). */
  readonly notes?: string;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

export function renderTable(rows: readonly BenchResult[]): string {
  const header = ['benchmark', 'subject', 'value', 'unit', 'goal', 'note'];
  // A `|` inside a cell (a PromQL alternation) would end the cell in Markdown.
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const body = rows.map((r) => [r.name, r.subject, formatNumber(r.value), r.unit, r.goal ?? '', r.note ?? ''].map(cell));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
