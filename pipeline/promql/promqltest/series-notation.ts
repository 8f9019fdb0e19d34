import type { Labels } from '../../../schemas/labels.js';
import { readString } from '../parser/lexer.js';
import { expandHistogramItem, type HistogramLiteral } from './histogram-notation.js';

/** One expanded value: a float, an omitted position, a staleness marker, or a native histogram. */
export type ExpectedValue = number | null | 'stale' | HistogramLiteral;

/** Whether an expanded value is a native histogram. */
export function isHistogramValue(v: ExpectedValue): v is HistogramLiteral {
  return typeof v === 'object' && v !== null;
}

const NUM = '[+-]?(?:[iI][nN][fF]|[nN][aA][nN]|0[xX][0-9a-fA-F]+|[0-9]*\\.?[0-9]+(?:[eE][+-]?[0-9]+)?)';
const NUM_RE = new RegExp(`^${NUM}$`);
const SERIES_RE = new RegExp(`^(${NUM})(?:([+-])(${NUM}))?x(\\d+)$`);

export function parseNumber(s: string): number | null {
  if (!NUM_RE.test(s)) return null;
  const l = s.toLowerCase().replace(/^\+/, '');
  if (l === 'inf') return Infinity;
  if (l === '-inf') return -Infinity;
  if (l === 'nan' || l === '-nan') return NaN;
  if (/^-?0x/.test(l)) return l.startsWith('-') ? -parseInt(l.slice(3), 16) : parseInt(l.slice(2), 16);
  return Number(l);
}

/** Splits `metric{a="b"} rest` into the labels and the remaining text. */
export function parseSeriesLabels(line: string): { labels: Labels; rest: string } {
  let i = 0;
  let name = '';
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i])) name += line[i++];
  const labels: Record<string, string> = {};
  if (name) labels.__name__ = name;
  if (line[i] === '{') {
    i++;
    while (true) {
      while (line[i] === ' ' || line[i] === '\t' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      if (i >= line.length) throw new Error('unterminated label set');
      let lname = '';
      if (line[i] === '"') {
        const r = readString(line, i);
        lname = r.value;
        i = r.end;
      } else {
        while (i < line.length && /[a-zA-Z0-9_]/.test(line[i])) lname += line[i++];
      }
      while (line[i] === ' ') i++;
      if (line[i] !== '=') {
        // A lone quoted metric name: {"name"}.
        labels.__name__ = lname;
        continue;
      }
      i++;
      while (line[i] === ' ') i++;
      const r = readString(line, i);
      // Empty label values mean "no such label", as in Prometheus.
      if (r.value !== '') labels[lname] = r.value;
      i = r.end;
    }
  }
  if (!name && i === 0) throw new Error(`bad series: ${line}`);
  return { labels, rest: line.slice(i).trim() };
}

/** Splits value items on whitespace, keeping `{{...}}` histograms (and their suffixes) whole. */
function splitItems(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    let j = i;
    let depth = 0;
    while (j < s.length && (depth > 0 || (s[j] !== ' ' && s[j] !== '\t'))) {
      if (s.startsWith('{{', j)) { depth++; j += 2; continue; }
      if (s.startsWith('}}', j)) { depth--; j += 2; continue; }
      j++;
    }
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Expands a value sequence (`1+2x3 _ stale {{...}}`). */
export function expandValues(s: string): ExpectedValue[] {
  const out: ExpectedValue[] = [];
  for (const item of splitItems(s)) {
    if (item.includes('{{')) {
      const { histograms, counterResetHintSet } = expandHistogramItem(item);
      for (const histogram of histograms) out.push({ histogram, counterResetHintSet });
      continue;
    }
    if (item === '_') { out.push(null); continue; }
    if (item === 'stale') { out.push('stale'); continue; }
    const omit = /^_x(\d+)$/.exec(item);
    if (omit) { for (let k = 0; k < Number(omit[1]); k++) out.push(null); continue; }
    // `0x59` is "0 repeated", not hex: expansions win over plain numbers.
    const m = SERIES_RE.exec(item);
    if (!m) {
      const single = parseNumber(item);
      if (single !== null) { out.push(single); continue; }
      throw new Error(`bad value item "${item}"`);
    }
    let v = parseNumber(m[1])!;
    const delta = m[3] !== undefined ? parseNumber(m[3])! * (m[2] === '-' ? -1 : 1) : 0;
    const n = Number(m[4]);
    for (let k = 0; k <= n; k++) {
      out.push(v);
      v += delta;
    }
  }
  return out;
}
