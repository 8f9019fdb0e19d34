import { LineProtocolError } from './errors.js';

/** One point of a line: numeric fields only (string fields are skipped, see README). */
export interface LinePoint {
  readonly measurement: string;
  readonly tags: Array<[string, string]>;
  readonly fields: Array<[string, number]>;
  /** The timestamp digits as written (sign included), or undefined when the line has none. */
  readonly timestamp: string | undefined;
}

const SPACE = 0x20;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;

const BOOLEANS: Record<string, number> = {
  t: 1, T: 1, true: 1, True: 1, TRUE: 1,
  f: 0, F: 0, false: 0, False: 0, FALSE: 0,
};
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT_RE = /^[+-]?\d+$/;
const UINT_RE = /^\d+$/;

/**
 * Parses one line of InfluxDB line protocol:
 * `measurement[,tag=value...] field=value[,field=value...] [timestamp]`.
 * Escapes: `\,` and `\ ` in measurements; `\,`, `\=`, `\ ` in tag keys, tag values and field
 * keys; `\"` and `\\` inside quoted string fields. A backslash before any other character is
 * kept as is (as InfluxDB does). Throws LineProtocolError with the 1-based column.
 */
export function parseLine(text: string, lineNo: number): LinePoint {
  const n = text.length;
  let pos = 0;
  const fail = (at: number, detail: string): never => {
    throw new LineProtocolError(lineNo, at + 1, detail);
  };

  // An escaped token up to one of the stop characters (unescaped).
  const token = (stopAtComma: boolean, stopAtEquals: boolean, stopAtSpace: boolean): string => {
    let out = '';
    let start = pos;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === BACKSLASH && pos + 1 < n) {
        const next = text.charCodeAt(pos + 1);
        if (next === COMMA || next === SPACE || next === EQUALS || next === BACKSLASH) {
          out += text.slice(start, pos);
          start = pos + 1;
          pos += 2;
          continue;
        }
      }
      if ((stopAtComma && c === COMMA) || (stopAtEquals && c === EQUALS) || (stopAtSpace && c === SPACE)) break;
      pos++;
    }
    return out + text.slice(start, pos);
  };

  const measurement = token(true, false, true);
  if (measurement === '') fail(0, 'missing measurement');

  const tags: Array<[string, string]> = [];
  while (pos < n && text.charCodeAt(pos) === COMMA) {
    pos++;
    const keyAt = pos;
    const key = token(true, true, true);
    if (key === '') fail(keyAt, 'missing tag key');
    if (text.charCodeAt(pos) !== EQUALS) fail(pos, `missing tag value for "${key}"`);
    pos++;
    const valueAt = pos;
    const value = token(true, true, true);
    if (value === '') fail(valueAt, `missing tag value for "${key}"`);
    tags.push([key, value]);
  }
  if (pos >= n || text.charCodeAt(pos) !== SPACE) fail(pos, 'missing fields');
  while (pos < n && text.charCodeAt(pos) === SPACE) pos++;

  const fields: Array<[string, number]> = [];
  let anyField = false;
  for (;;) {
    const keyAt = pos;
    const key = token(true, true, true);
    if (key === '') fail(keyAt, 'missing field key');
    if (text.charCodeAt(pos) !== EQUALS) fail(pos, `missing field value for "${key}"`);
    pos++;
    const valueAt = pos;
    if (text.charCodeAt(pos) === QUOTE) {
      pos++;
      for (;;) {
        if (pos >= n) fail(valueAt, `unterminated string value for "${key}"`);
        const c = text.charCodeAt(pos);
        if (c === BACKSLASH) pos += 2;
        else if (c === QUOTE) break;
        else pos++;
      }
      pos++; // string fields carry no number: skipped
    } else {
      while (pos < n) {
        const c = text.charCodeAt(pos);
        if (c === COMMA || c === SPACE) break;
        pos++;
      }
      const raw = text.slice(valueAt, pos);
      fields.push([key, parseFieldValue(raw, key, valueAt, fail)]);
    }
    anyField = true;
    if (pos < n && text.charCodeAt(pos) === COMMA) {
      pos++;
      continue;
    }
    break;
  }
  if (!anyField) fail(pos, 'missing fields');

  let timestamp: string | undefined;
  if (pos < n) {
    if (text.charCodeAt(pos) !== SPACE) fail(pos, 'expected a space before the timestamp');
    while (pos < n && text.charCodeAt(pos) === SPACE) pos++;
    const tsAt = pos;
    while (pos < n && text.charCodeAt(pos) !== SPACE) pos++;
    const raw = text.slice(tsAt, pos);
    if (raw !== '') {
      if (!INT_RE.test(raw)) fail(tsAt, `bad timestamp "${raw}"`);
      timestamp = raw;
    }
    while (pos < n && (text.charCodeAt(pos) === SPACE || text.charCodeAt(pos) === 0x0d)) pos++;
    if (pos < n) fail(pos, 'unexpected text after the timestamp');
  }
  return { measurement, tags, fields, timestamp };
}

function parseFieldValue(raw: string, key: string, at: number, fail: (at: number, detail: string) => never): number {
  if (raw === '') return fail(at, `missing field value for "${key}"`);
  const last = raw.charCodeAt(raw.length - 1);
  if (last === 0x69 /* i */) {
    const digits = raw.slice(0, -1);
    if (!INT_RE.test(digits)) return fail(at, `invalid integer value "${raw}" for "${key}"`);
    return Number(digits);
  }
  if (last === 0x75 /* u */) {
    const digits = raw.slice(0, -1);
    if (!UINT_RE.test(digits)) return fail(at, `invalid unsigned value "${raw}" for "${key}"`);
    return Number(digits);
  }
  const b = BOOLEANS[raw];
  if (b !== undefined && Object.hasOwn(BOOLEANS, raw)) return b;
  if (!FLOAT_RE.test(raw)) return fail(at, `invalid number "${raw}" for "${key}"`);
  return Number(raw);
}

export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

/** `precision` query values of /write (n, ns, u, ms, s, m, h) and /api/v2/write (ns, us, ms, s). */
export function parsePrecision(value: string | null): Precision | undefined {
  switch (value ?? 'ns') {
    case '':
    case 'n':
    case 'ns':
      return 'ns';
    case 'u':
    case 'us':
    case 'µ':
    case 'µs':
      return 'us';
    case 'ms':
      return 'ms';
    case 's':
      return 's';
    case 'm':
      return 'm';
    case 'h':
      return 'h';
    default:
      return undefined;
  }
}

/**
 * Milliseconds of a timestamp written at `precision`, truncated toward zero; computed on the
 * digits so nanosecond timestamps (beyond 2^53) lose nothing before the division. Undefined when
 * the result is not a safe integer.
 */
export function timestampToMs(digits: string, precision: Precision): number | undefined {
  const negative = digits.startsWith('-');
  const abs = negative || digits.startsWith('+') ? digits.slice(1) : digits;
  let ms: number;
  if (precision === 'ns' || precision === 'us') {
    const drop = precision === 'ns' ? 6 : 3;
    ms = abs.length <= drop ? 0 : Number(abs.slice(0, abs.length - drop));
  } else {
    const mult = precision === 'ms' ? 1 : precision === 's' ? 1000 : precision === 'm' ? 60_000 : 3_600_000;
    ms = Number(abs) * mult;
  }
  if (!Number.isSafeInteger(ms)) return undefined;
  return negative && ms !== 0 ? -ms : ms;
}
