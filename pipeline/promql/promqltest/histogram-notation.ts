import { COUNTER_RESET_HINTS, FloatHistogram, type CounterResetHint } from '../../../schemas/native-histogram/index.js';

/**
 * The native-histogram notation of PromQL test files and promtool rule tests:
 * `{{schema:1 sum:-0.3 count:3.1 z_bucket:7.1 z_bucket_w:0.05 buckets:[5.1 10 7] offset:-3
 * n_buckets:[4.1 5] n_offset:-5 counter_reset_hint:gauge custom_values:[...]}}`, every key
 * optional, bucket lists absolute counts of consecutive buckets from their offset; and the series
 * items built from it: `{{A}}xN` (N+1 copies), `{{A}}+{{B}}xN` (A, A+B, ..., A+N·B) and
 * `{{A}}-{{B}}xN`.
 */

/** A parsed literal; whether it named a counter reset hint matters for comparisons (an unnamed hint matches any). */
export interface HistogramLiteral {
  histogram: FloatHistogram;
  counterResetHintSet: boolean;
}

/** The histograms one series item stands for, and whether its hint was named (by the increment for `+`/`-` items). */
export interface HistogramSeriesItem {
  histograms: FloatHistogram[];
  counterResetHintSet: boolean;
}

/** A malformed histogram literal or series item; the message quotes it. */
export class HistogramNotationError extends Error {
  readonly code = 'histogram_notation';
  readonly retryable = false;
  constructor(readonly text: string, readonly detail: string, options?: { cause?: unknown }) {
    super(`bad native histogram "${text}": ${detail}`, options);
    this.name = 'HistogramNotationError';
  }
}

type Key = 'schema' | 'sum' | 'count' | 'z_bucket' | 'z_bucket_w' | 'buckets' | 'offset' | 'n_buckets' | 'n_offset' | 'counter_reset_hint' | 'custom_values';
const KEYS = new Set<string>(['schema', 'sum', 'count', 'z_bucket', 'z_bucket_w', 'buckets', 'offset', 'n_buckets', 'n_offset', 'counter_reset_hint', 'custom_values']);
const LIST_KEYS = new Set<string>(['buckets', 'n_buckets', 'custom_values']);

const NUMBER_RE = /^[+-]?(?:inf(?:inity)?|nan|0x[0-9a-f]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)$/i;

/** A number as the PromQL lexer reads one in series values (decimal, exponent, hex integer, Inf, NaN). */
function parseNumber(text: string, token: string): number {
  if (!NUMBER_RE.test(token)) throw new HistogramNotationError(text, `"${token}" is not a number`);
  const negative = token.startsWith('-');
  const body = token.replace(/^[+-]/, '').toLowerCase();
  let v: number;
  if (body.startsWith('inf')) v = Infinity;
  else if (body === 'nan') v = NaN;
  else if (body.startsWith('0x')) v = parseInt(body.slice(2), 16);
  else v = Number(body);
  return negative ? -v : v;
}

function parseInteger(text: string, key: string, token: string): number {
  if (!/^[+-]?[0-9]+$/.test(token)) throw new HistogramNotationError(text, `${key} must be an integer, got "${token}"`);
  return Number(token);
}

/** Parses one `{{...}}` literal. */
export function parseHistogramLiteral(text: string): HistogramLiteral {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{{') || !trimmed.endsWith('}}')) throw new HistogramNotationError(text, 'expected {{...}}');
  const body = trimmed.slice(2, -2);
  const values = new Map<Key, string | string[]>();
  let i = 0;
  while (i < body.length) {
    while (i < body.length && /\s/.test(body[i])) i++;
    if (i >= body.length) break;
    const keyStart = i;
    while (i < body.length && /[a-z_]/.test(body[i])) i++;
    const key = body.slice(keyStart, i);
    while (i < body.length && /[ \t]/.test(body[i])) i++;
    if (body[i] !== ':') throw new HistogramNotationError(text, `expected "key:value" at "${body.slice(keyStart, keyStart + 20)}"`);
    i++;
    if (!KEYS.has(key)) throw new HistogramNotationError(text, `unknown key "${key}"`);
    if (values.has(key as Key)) throw new HistogramNotationError(text, `duplicate key "${key}"`);
    while (i < body.length && /[ \t]/.test(body[i])) i++;
    if (LIST_KEYS.has(key)) {
      if (body[i] !== '[') throw new HistogramNotationError(text, `${key} must be a list [...]`);
      const end = body.indexOf(']', i);
      if (end < 0) throw new HistogramNotationError(text, `unterminated list for ${key}`);
      values.set(key as Key, body.slice(i + 1, end).split(/\s+/).filter((t) => t !== ''));
      i = end + 1;
    } else {
      const start = i;
      while (i < body.length && !/\s/.test(body[i])) i++;
      if (i === start) throw new HistogramNotationError(text, `missing value for ${key}`);
      values.set(key as Key, body.slice(start, i));
    }
  }

  const scalar = (key: Key): string | undefined => values.get(key) as string | undefined;
  const list = (key: Key): number[] => ((values.get(key) as string[] | undefined) ?? []).map((t) => parseNumber(text, t));
  const num = (key: Key): number => {
    const v = scalar(key);
    return v === undefined ? 0 : parseNumber(text, v);
  };
  const int = (key: Key): number => {
    const v = scalar(key);
    return v === undefined ? 0 : parseInteger(text, key, v);
  };

  const hintText = scalar('counter_reset_hint');
  let counterResetHint: CounterResetHint = 'unknown';
  if (hintText !== undefined) {
    if (!(COUNTER_RESET_HINTS as readonly string[]).includes(hintText)) {
      throw new HistogramNotationError(text, `counter_reset_hint must be one of ${COUNTER_RESET_HINTS.join(', ')}, got "${hintText}"`);
    }
    counterResetHint = hintText as CounterResetHint;
  }
  const positive = list('buckets');
  const negative = list('n_buckets');
  const histogram = new FloatHistogram({
    counterResetHint,
    schema: int('schema'),
    sum: num('sum'),
    count: num('count'),
    zeroCount: num('z_bucket'),
    zeroThreshold: num('z_bucket_w'),
    positiveSpans: positive.length > 0 ? [{ offset: int('offset'), length: positive.length }] : [],
    positiveBuckets: positive,
    negativeSpans: negative.length > 0 ? [{ offset: int('n_offset'), length: negative.length }] : [],
    negativeBuckets: negative,
    customValues: list('custom_values'),
  });
  return { histogram, counterResetHintSet: hintText !== undefined };
}

const ITEM_RE = /^(\{\{[^}]*\}\})(?:([+-])(\{\{[^}]*\}\}))?(?:x(\d+))?$/;

/** Expands one series item made of histogram literals (`{{A}}`, `{{A}}xN`, `{{A}}+{{B}}xN`, `{{A}}-{{B}}xN`). */
export function expandHistogramItem(item: string): HistogramSeriesItem {
  const m = ITEM_RE.exec(item.trim());
  if (!m) throw new HistogramNotationError(item, 'expected {{...}}, {{...}}xN or {{...}}+{{...}}xN');
  const base = parseHistogramLiteral(m[1]);
  const times = m[4] === undefined ? 0 : Number(m[4]);
  if (m[2] === undefined) {
    const histograms = [base.histogram];
    for (let k = 0; k < times; k++) histograms.push(base.histogram.copy());
    return { histograms, counterResetHintSet: base.counterResetHintSet };
  }
  if (m[4] === undefined) throw new HistogramNotationError(item, `"${m[2]}" needs a repeat count (xN)`);
  const increment = parseHistogramLiteral(m[3]);
  const histograms = [base.histogram];
  let current = base.histogram;
  for (let k = 0; k < times; k++) {
    current = current.copy();
    try {
      if (m[2] === '+') current.add(increment.histogram);
      else current.sub(increment.histogram);
    } catch (err) {
      throw new HistogramNotationError(item, `cannot combine the histograms: ${(err as Error).message}`, { cause: err });
    }
    histograms.push(current);
  }
  return { histograms, counterResetHintSet: increment.counterResetHintSet };
}
