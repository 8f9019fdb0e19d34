import { isValidLabelName } from '../../schemas/labels.js';
import { ImportLineError } from './errors.js';
import { forEachLine, type BadLineCallback, type ImportFormat, type SeriesCallback } from './import-format.js';

/** VictoriaMetrics writes non-finite values unquoted (`NaN`, `Inf`, `-Inf`), which JSON does not allow. */
const NON_FINITE = /(?<=[[,]\s*)([+-]?Inf|NaN)(?=\s*[\],])/g;
const NON_FINITE_VALUES: Readonly<Record<string, number>> = { NaN: NaN, Inf: Infinity, '+Inf': Infinity, '-Inf': -Infinity };

interface ExportLine {
  metric?: unknown;
  values?: unknown;
  timestamps?: unknown;
}

/**
 * VictoriaMetrics' JSON lines, as its `/api/v1/export` writes them and `/api/v1/import` reads
 * them: one series per line, `{"metric":{"__name__":"up","job":"a"},"values":[1,0],"timestamps":[1700000000000,1700000015000]}`
 * (timestamps in milliseconds).
 */
export const vmJsonLines: ImportFormat = {
  read(text: string, onSeries: SeriesCallback, onBad: BadLineCallback): number {
    let lines = 0;
    forEachLine(text, (line, lineNo) => {
      if (line.trim() === '') return;
      lines++;
      let parsed: ExportLine;
      try {
        parsed = parseExportLine(line, lineNo);
      } catch (err) {
        if (err instanceof ImportLineError) return onBad(err);
        throw err;
      }
      const { labels, values, timestamps } = checkExportLine(parsed, lineNo, onBad);
      if (labels !== undefined) onSeries(labels, timestamps, values, lineNo);
    });
    return lines;
  },
};

function parseExportLine(line: string, lineNo: number): ExportLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    try {
      value = JSON.parse(line.replace(NON_FINITE, '"$1"'));
    } catch {
      throw new ImportLineError(lineNo, `invalid JSON: ${(err as Error).message}`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ImportLineError(lineNo, 'expected a JSON object with "metric", "values" and "timestamps"');
  return value as ExportLine;
}

function checkExportLine(
  { metric, values, timestamps }: ExportLine,
  lineNo: number,
  onBad: BadLineCallback,
): { labels?: Record<string, string>; values: number[]; timestamps: number[] } {
  const fail = (detail: string) => {
    onBad(new ImportLineError(lineNo, detail));
    return { values: [], timestamps: [] };
  };
  if (metric === null || typeof metric !== 'object' || Array.isArray(metric)) return fail('"metric" must be an object of label names to values');
  const labels: Record<string, string> = {};
  let nonEmpty = 0;
  for (const [name, value] of Object.entries(metric as Record<string, unknown>)) {
    if (typeof value !== 'string') return fail(`label "${name}" must have a string value`);
    if (!isValidLabelName(name)) return fail(`invalid label name "${name}"`);
    if (value === '') continue;
    labels[name] = value;
    nonEmpty++;
  }
  if (nonEmpty === 0) return fail('"metric" has no label with a value');
  if (!Array.isArray(values)) return fail('"values" must be an array');
  if (!Array.isArray(timestamps)) return fail('"timestamps" must be an array');
  if (values.length !== timestamps.length) return fail(`${values.length} values but ${timestamps.length} timestamps`);
  const vs = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const n = typeof v === 'number' ? v : typeof v === 'string' ? (NON_FINITE_VALUES[v] ?? (v.trim() === '' ? NaN : Number(v))) : NaN;
    if (typeof v !== 'number' && (typeof v !== 'string' || (Number.isNaN(n) && v !== 'NaN'))) return fail(`values[${i}]: ${JSON.stringify(v)} is not a number`);
    vs[i] = n;
  }
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i];
    if (typeof t !== 'number' || !Number.isSafeInteger(t)) return fail(`timestamps[${i}]: ${JSON.stringify(t)} is not an integer number of milliseconds`);
  }
  return { labels, values: vs, timestamps: timestamps as number[] };
}
