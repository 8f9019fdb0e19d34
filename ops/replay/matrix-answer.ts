/**
 * A `/api/v1/query_range` answer read straight into columns (RangeSeries) when it has the plain
 * shape Prometheus and Tidemark give a float matrix:
 *
 *   {"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},"values":[[t,"v"],...]},...]}...}
 *
 * JSON.parse builds a pair array, a value string and a boxed timestamp for every point, which the
 * replay then copied into columns and dropped (a replay reads some 100k points: a tenth of the
 * command's CPU with the garbage collection they caused). Here a point costs at most one short
 * string (a value that is not a plain decimal). Anything else (another key order, whitespace,
 * histograms, escapes in a value) is left to JSON.parse: undefined.
 */
import type { Labels } from '../../schemas/labels.js';
import type { RangeSeries } from '../../pipeline/alert/replay/index.js';
import { apiValue } from './api-value.js';

const HEAD = '{"status":"success","data":{"resultType":"matrix","result":[';
const METRIC = '{"metric":';
const VALUES = ',"values":[';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const SPACE = 0x20;
const DOT = 0x2e;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);
const ZERO = 0x30;
const NINE = 0x39;

/** The answer's series as columns, or undefined when it is not of the plain shape above (or not valid JSON there). */
export function matrixAnswerColumns(text: string): RangeSeries[] | undefined {
  if (!text.startsWith(HEAD)) return undefined;
  let at = HEAD.length;
  const out: RangeSeries[] = [];
  if (text.charCodeAt(at) !== CLOSE_BRACKET) {
    for (;;) {
      if (!text.startsWith(METRIC, at)) return undefined;
      at += METRIC.length;
      const metricEnd = objectEnd(text, at);
      if (metricEnd < 0) return undefined;
      const labels = jsonObject(text.slice(at, metricEnd));
      if (labels === undefined) return undefined;
      at = metricEnd;
      if (!text.startsWith(VALUES, at)) return undefined;
      at += VALUES.length;
      const timestamps: number[] = [];
      const values: number[] = [];
      if (text.charCodeAt(at) === CLOSE_BRACKET) at++;
      else {
        for (;;) {
          if (text.charCodeAt(at) !== OPEN_BRACKET) return undefined;
          // The timestamp, a JSON number of seconds.
          const tFrom = ++at;
          let integer = true;
          for (let c = text.charCodeAt(at); c !== COMMA; c = text.charCodeAt(++at)) {
            if (at >= text.length) return undefined;
            if (c < ZERO || c > NINE) integer = false;
          }
          if (at === tFrom) return undefined;
          const exact = integer && at - tFrom <= 15 && (at - tFrom === 1 || text.charCodeAt(tFrom) !== ZERO);
          const seconds = exact ? digits(text, tFrom, at) : jsonNumber(text.slice(tFrom, at));
          if (seconds === undefined) return undefined;
          timestamps.push(exact ? seconds * 1000 : Math.round(seconds * 1000));
          // The value, a string (apiValue).
          if (text.charCodeAt(++at) !== QUOTE) return undefined;
          const vFrom = ++at;
          // A plain decimal of at most 15 digits is its digits over a power of ten, both exact
          // doubles, and so rounded as Number rounds it; anything else is read by apiValue.
          let significand = 0;
          let count = 0;
          let point = -1;
          let plain = true;
          for (let c = text.charCodeAt(at); c !== QUOTE; c = text.charCodeAt(++at)) {
            if (c >= ZERO && c <= NINE) {
              significand = significand * 10 + (c - ZERO);
              count++;
            } else if (c === DOT && point < 0) point = count;
            else {
              if (c === BACKSLASH || c < SPACE || at >= text.length) return undefined;
              plain = false;
            }
          }
          values.push(plain && count > 0 && count <= 15 && point !== count ? (point < 0 ? significand : significand / POWERS_OF_TEN[count - point]!) : apiValue(text.slice(vFrom, at)));
          if (text.charCodeAt(++at) !== CLOSE_BRACKET) return undefined;
          const next = text.charCodeAt(++at);
          at++;
          if (next === CLOSE_BRACKET) break;
          if (next !== COMMA) return undefined;
        }
      }
      if (text.charCodeAt(at) !== CLOSE_BRACE) return undefined;
      out.push({ labels, timestamps, values });
      const next = text.charCodeAt(++at);
      at++;
      if (next === CLOSE_BRACKET) break;
      if (next !== COMMA) return undefined;
    }
  } else at++;
  // What follows the result (the end of data, then perhaps warnings or infos) must be JSON too.
  if (text.charCodeAt(at) !== CLOSE_BRACE) return undefined;
  return jsonObject(`{${text.slice(at + 1).replace(/^,/, '')}`) === undefined ? undefined : out;
}

function jsonObject(text: string): Labels | undefined {
  try {
    return JSON.parse(text) as Labels;
  } catch {
    return undefined;
  }
}

/** Where the JSON object starting at `from` ends (one past its closing brace), or -1. */
function objectEnd(text: string, from: number): number {
  if (text.charCodeAt(from) !== OPEN_BRACE) return -1;
  let depth = 0;
  for (let at = from; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      for (at++; at < text.length && text.charCodeAt(at) !== QUOTE; at++) if (text.charCodeAt(at) === BACKSLASH) at++;
    } else if (c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACE && --depth === 0) return at + 1;
  }
  return -1;
}

/** The integer written in `text[from, to)`, digits only and short enough to be exact. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let at = from; at < to; at++) n = n * 10 + (text.charCodeAt(at) - ZERO);
  return n;
}

/** A JSON number's value; undefined for text that is not one. */
function jsonNumber(s: string): number | undefined {
  return /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(s) ? Number(s) : undefined;
}
