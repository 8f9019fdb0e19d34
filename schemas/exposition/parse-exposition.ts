import type { Labels } from '../labels.js';
import { METRIC_NAME, sortedLabelNames } from '../labels.js';
import type { HistogramValue } from '../sample.js';
import { type ExpositionFormat, ExpositionParseError, type ScrapeFormat } from './errors.js';
import { OpenMetricsParser } from './openmetrics.js';
import type { Exemplar, MetricType, Parser } from './parser.js';
import { keepStringMethodsFast } from './fast-string-methods.js';
import { PromTextParser } from './prom-text.js';
import { ProtobufParser } from './protobuf.js';

/** One sample as `parseExposition` returns it. */
export interface ExpositionSample {
  /** All labels, `__name__` included. */
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds since the epoch, when the exposition gave a timestamp. */
  readonly timestamp?: number;
  readonly exemplar?: Exemplar;
  /**
   * Milliseconds: the value of the matching `_created` sample of the same metric point
   * (OpenMetrics counters, summaries and histograms), set on the point's other samples.
   */
  readonly createdTimestamp?: number;
  /**
   * Protobuf only: the native histogram of a histogram metric that has one (`value` is then 0
   * and the labels are the family name's); its classic series, when it has buckets, follow it.
   */
  readonly histogram?: HistogramValue;
}

export interface ExpositionFamily {
  readonly name: string;
  readonly type: MetricType;
  /** Empty when no HELP line was given. */
  readonly help: string;
  /** Empty when no UNIT line was given (always for the text format). */
  readonly unit: string;
  readonly samples: ExpositionSample[];
}

export interface ParsedExposition {
  /** In order of first appearance; families announced only by metadata lines are included. */
  readonly families: ExpositionFamily[];
  /** Every sample in input order (the same objects as in `families`). */
  readonly samples: ExpositionSample[];
}

export interface ParseExpositionOptions {
  /**
   * Default `prometheus` (text format 0.0.4); `protobuf` is the delimited protobuf exposition
   * (bytes), its classic buckets as exposed (no `+Inf` bucket added).
   */
  readonly format?: ScrapeFormat;
  /**
   * OpenMetrics only. `true` (default): every rule of the specification, as the official test
   * suite checks them. `false`: skip the rules on values (negative counters, histogram
   * consistency, ...) as the Prometheus server does; use it for scrapes.
   */
  readonly strict?: boolean;
}

/** A pull parser for `text` in the given format. */
export function createParser(text: string, format: ExpositionFormat = 'prometheus', options: { strict?: boolean } = {}): Parser {
  keepStringMethodsFast();
  return format === 'openmetrics' ? new OpenMetricsParser(text, options) : new PromTextParser(text);
}

interface MutableFamily {
  name: string;
  type: MetricType;
  help: string;
  unit: string;
  samples: MutableSample[];
}

interface MutableSample {
  labels: Labels;
  value: number;
  timestamp?: number;
  exemplar?: Exemplar;
  createdTimestamp?: number;
  histogram?: HistogramValue;
}

/**
 * Parses a whole exposition into families and samples. Throws `ExpositionParseError` (with line
 * and column) on the first problem; bytes that are not UTF-8 are such a problem too.
 */
export function parseExposition(input: string | Uint8Array, options: ParseExpositionOptions = {}): ParsedExposition {
  const format = options.format ?? 'prometheus';
  let p: Parser;
  if (format === 'protobuf') {
    p = new ProtobufParser(typeof input === 'string' ? Buffer.from(input) : input, { nativeHistograms: true, classicHistograms: true, bucketsAsExposed: true });
  } else {
    const text = typeof input === 'string' ? input : decodeUtf8(input, format);
    p = createParser(text, format, { strict: options.strict });
  }
  const byName = new Map<string, MutableFamily>();
  const families: MutableFamily[] = [];
  const samples: MutableSample[] = [];
  const family = (name: string): MutableFamily => {
    let f = byName.get(name);
    if (!f) {
      f = { name, type: 'unknown', help: '', unit: '', samples: [] };
      byName.set(name, f);
      families.push(f);
    }
    return f;
  };
  for (let e = p.next(); e !== undefined; e = p.next()) {
    switch (e) {
      case 'series':
      case 'histogram': {
        const f = family(p.familyName());
        f.type = p.familyType();
        const s: MutableSample = { labels: p.labels(), value: p.value() };
        if (e === 'histogram') s.histogram = p.histogram!();
        const ts = p.timestamp();
        if (ts !== undefined) s.timestamp = ts;
        const ex = p.exemplar();
        if (ex !== undefined) s.exemplar = ex;
        f.samples.push(s);
        samples.push(s);
        break;
      }
      case 'help':
        family(p.metadataName()).help = p.help();
        break;
      case 'type':
        family(p.metadataName()).type = p.type();
        break;
      case 'unit':
        family(p.metadataName()).unit = p.unit();
        break;
      default:
        break;
    }
  }
  if (format === 'openmetrics') attachCreated(families);
  return { families, samples };
}

/** Copies each `_created` value (seconds) onto the other samples of its metric point, in ms. */
function attachCreated(families: MutableFamily[]): void {
  for (const f of families) {
    if (f.type !== 'counter' && f.type !== 'summary' && f.type !== 'histogram') continue;
    const createdName = f.name + '_created';
    const created = new Map<string, number>();
    for (const s of f.samples) {
      if (s.labels[METRIC_NAME] === createdName) created.set(pointKey(s.labels), Math.round(s.value * 1000));
    }
    if (created.size === 0) continue;
    for (const s of f.samples) {
      if (s.labels[METRIC_NAME] === createdName) continue;
      const ct = created.get(pointKey(s.labels));
      if (ct !== undefined) s.createdTimestamp = ct;
    }
  }
}

function pointKey(labels: Labels): string {
  let key = '';
  for (const n of sortedLabelNames(labels)) {
    if (n === METRIC_NAME || n === 'le' || n === 'quantile') continue;
    key += n + '\xff' + labels[n] + '\xff';
  }
  return key;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly; an invalid byte becomes a parse error at its line and column. */
export function decodeUtf8(bytes: Uint8Array, format: ExpositionFormat): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    const bad = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < bad; i++) {
      if (bytes[i] === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    const column = new TextDecoder().decode(bytes.subarray(lineStart, bad)).length + 1;
    throw new ExpositionParseError(format, line, column, `invalid UTF-8 byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')}`, { cause });
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}
