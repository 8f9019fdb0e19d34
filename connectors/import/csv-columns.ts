import { isValidLabelName, isValidMetricName } from '../../schemas/labels.js';
import { ImportLineError } from './errors.js';
import { forEachLine, type BadLineCallback, type ImportFormat, type SeriesCallback } from './import-format.js';

export type CsvTimeFormat = 'unix_s' | 'unix_ms' | 'unix_ns' | 'rfc3339';

/** One column of VictoriaMetrics' CSV mapping: `<n>:metric:<name>`, `<n>:label:<name>`, `<n>:time:<format>`. */
export type CsvColumn =
  | { readonly index: number; readonly kind: 'metric'; readonly name: string }
  | { readonly index: number; readonly kind: 'label'; readonly name: string }
  | { readonly index: number; readonly kind: 'time'; readonly format: CsvTimeFormat };

/** A `format` that cannot be used: the whole request is refused. */
export class CsvFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

const TIME_FORMATS: readonly CsvTimeFormat[] = ['unix_s', 'unix_ms', 'unix_ns', 'rfc3339'];

/**
 * Parses a `format` query arg, e.g. `2:metric:ask,3:metric:bid,1:label:ticker,4:time:unix_s`.
 * Columns are 1-based; at least one metric column is needed, at most one time column.
 */
export function parseCsvColumns(spec: string | null): CsvColumn[] {
  if (spec === null || spec.trim() === '') throw new CsvFormatError('missing "format" query arg, e.g. format=2:metric:ask,1:label:ticker,3:time:unix_s');
  const columns: CsvColumn[] = [];
  const used = new Set<number>();
  for (const item of spec.split(',')) {
    const m = /^(\d+):(metric|label|time):(.+)$/.exec(item.trim());
    if (m === null) throw new CsvFormatError(`format item "${item}": expected <column>:metric:<name>, <column>:label:<name> or <column>:time:<format>`);
    const index = Number(m[1]);
    if (index < 1) throw new CsvFormatError(`format item "${item}": columns are numbered from 1`);
    if (used.has(index)) throw new CsvFormatError(`format item "${item}": column ${index} is mapped twice`);
    used.add(index);
    const context = m[3];
    if (m[2] === 'time') {
      if (!(TIME_FORMATS as readonly string[]).includes(context)) {
        throw new CsvFormatError(`format item "${item}": time format must be one of ${TIME_FORMATS.join(', ')}${context.startsWith('custom:') ? ' (custom layouts are not supported)' : ''}`);
      }
      if (columns.some((c) => c.kind === 'time')) throw new CsvFormatError(`format item "${item}": only one time column is allowed`);
      columns.push({ index, kind: 'time', format: context as CsvTimeFormat });
    } else if (m[2] === 'metric') {
      if (!isValidMetricName(context)) throw new CsvFormatError(`format item "${item}": invalid metric name "${context}"`);
      columns.push({ index, kind: 'metric', name: context });
    } else {
      if (!isValidLabelName(context) || context === '__name__') throw new CsvFormatError(`format item "${item}": invalid label name "${context}"`);
      columns.push({ index, kind: 'label', name: context });
    }
  }
  if (!columns.some((c) => c.kind === 'metric')) throw new CsvFormatError(`format "${spec}" has no metric column`);
  return columns;
}

/** Splits one CSV row; fields may be quoted, with `""` for a quote inside. */
export function splitCsvRow(line: string, lineNo: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 0x22) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new ImportLineError(lineNo, `column ${fields.length + 1}: unterminated quoted field`);
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 0x22) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i >= line.length) return fields;
      if (line.charCodeAt(i) !== 0x2c) throw new ImportLineError(lineNo, `column ${fields.length}: text after a quoted field`);
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

function parseTime(text: string, format: CsvTimeFormat, lineNo: number, column: number): number {
  const fail = (): never => {
    throw new ImportLineError(lineNo, `column ${column}: cannot parse ${JSON.stringify(text)} as ${format} time`);
  };
  const s = text.trim();
  if (format === 'rfc3339') {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s)) fail();
    const ms = Date.parse(s);
    return Number.isFinite(ms) ? ms : fail();
  }
  if (!/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) fail();
  if (format === 'unix_ns' && /^[+-]?\d+$/.test(s)) {
    // Nanoseconds exceed 2^53: drop the last six digits as text before converting.
    const neg = s.startsWith('-');
    const digits = s.replace(/^[+-]/, '');
    const ms = digits.length <= 6 ? 0 : Number(digits.slice(0, -6));
    return neg && ms !== 0 ? -ms : ms;
  }
  const n = Number(s);
  const ms = Math.round(format === 'unix_s' ? n * 1000 : format === 'unix_ms' ? n : n / 1e6);
  return Number.isSafeInteger(ms) ? ms : fail();
}

/**
 * VictoriaMetrics' CSV import: each row gives one sample per metric column, labelled by the
 * label columns, at the time column (else `defaultTimestamp`). An empty metric field gives no
 * sample; anything else that is not a number makes the row bad.
 */
export function csvRows(columns: readonly CsvColumn[], defaultTimestamp: number): ImportFormat {
  const metrics = columns.filter((c) => c.kind === 'metric');
  const labelCols = columns.filter((c) => c.kind === 'label');
  const time = columns.find((c) => c.kind === 'time');
  const width = Math.max(...columns.map((c) => c.index));
  const ts = [0];
  const vs = [0];
  return {
    read(text: string, onSeries: SeriesCallback, onBad: BadLineCallback): number {
      let lines = 0;
      forEachLine(text, (line, lineNo) => {
        if (line.trim() === '') return;
        lines++;
        try {
          const fields = splitCsvRow(line, lineNo);
          if (fields.length < width) throw new ImportLineError(lineNo, `${fields.length} columns, the format needs ${width}`);
          const t = time === undefined ? defaultTimestamp : parseTime(fields[time.index - 1], time.format, lineNo, time.index);
          const found: Array<[string, number]> = [];
          for (const m of metrics) {
            const raw = fields[m.index - 1].trim();
            if (raw === '') continue;
            const v = parseCsvNumber(raw);
            if (v === undefined) throw new ImportLineError(lineNo, `column ${m.index}: cannot parse ${JSON.stringify(raw)} as the value of ${m.name}`);
            found.push([m.name, v]);
          }
          for (const [name, v] of found) {
            const labels: Record<string, string> = {};
            for (const l of labelCols) {
              const value = fields[l.index - 1];
              if (value !== '') labels[l.name] = value;
            }
            labels.__name__ = name;
            ts[0] = t;
            vs[0] = v;
            onSeries(labels, ts, vs, lineNo);
          }
        } catch (err) {
          if (err instanceof ImportLineError) return onBad(err);
          throw err;
        }
      });
      return lines;
    },
  };
}

function parseCsvNumber(raw: string): number | undefined {
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity };
  return special[raw.toLowerCase()];
}
