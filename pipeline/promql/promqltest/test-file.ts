import { canonicalLabels, type Labels } from '../../../schemas/labels.js';
import { parseDuration, readString } from '../parser/lexer.js';
import { TestFileError } from './errors.js';
import { expandValues, isHistogramValue, parseNumber, parseSeriesLabels, type ExpectedValue } from './series-notation.js';

export interface SeriesLine {
  readonly labels: Labels;
  readonly values: ExpectedValue[];
  /**
   * From the series' `@st` line: per sample, its start timestamp as an offset (ms) from the
   * sample's own timestamp, or null where the sample has none.
   */
  readonly startOffsets?: (number | null)[];
}

export interface LoadCommand {
  readonly kind: 'load';
  readonly line: number;
  readonly interval: number;
  readonly series: SeriesLine[];
  readonly nhcb: boolean;
  readonly hasStartTimestamps: boolean;
}

export interface AnnotationExpectation {
  any: boolean;
  readonly msgs: string[];
  readonly regexes: string[];
  none: boolean;
}

export interface EvalCommand {
  readonly kind: 'eval';
  readonly line: number;
  readonly expr: string;
  readonly instant: boolean;
  readonly start: number;
  readonly end: number;
  readonly step: number;
  fail: boolean;
  failMsg: string | null;
  failRegex: string | null;
  readonly warn: AnnotationExpectation;
  readonly info: AnnotationExpectation;
  ordered: boolean;
  rangeVector: { start: number; end: number; step: number } | null;
  expectString: string | null;
  scalar: number | null;
  readonly series: SeriesLine[];
  /** The expected output contains native histograms. */
  histogramOutput: boolean;
}

export type Command = LoadCommand | EvalCommand | { readonly kind: 'clear'; readonly line: number };

/** A signed duration of the `@st` notation (`-30s`, `+1m`, `1ms`, `0`); null if it is none. */
function signedDur(s: string): number | null {
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.startsWith('-') || s.startsWith('+') ? s.slice(1) : s;
  if (/^\d+$/.test(body)) return sign * Number(body) * 1000;
  const d = parseDuration(body);
  return d === null ? null : sign * d;
}

const START_OFFSET_SERIES_RE = /^([+-]?[0-9a-z]+?)([+-])([0-9a-z]+)x(\d+)$/;

/**
 * Expands an `@st` line's items: `_` (no start timestamp), an offset, `<offset>x<n>` (n+1 times)
 * or `<offset>(+|-)<step>x<n>` (n+1 offsets stepping by `step`), as values expand.
 */
export function expandStartOffsets(s: string): (number | null)[] {
  const out: (number | null)[] = [];
  for (const item of s.split(/\s+/).filter((x) => x !== '')) {
    if (item === '_') { out.push(null); continue; }
    const omit = /^_x(\d+)$/.exec(item);
    if (omit) { for (let k = 0; k < Number(omit[1]); k++) out.push(null); continue; }
    const series = START_OFFSET_SERIES_RE.exec(item);
    if (series) {
      const first = signedDur(series[1]);
      const step = signedDur(series[3]);
      if (first !== null && step !== null) {
        const delta = series[2] === '-' ? -step : step;
        for (let k = 0; k <= Number(series[4]); k++) out.push(first + k * delta);
        continue;
      }
    }
    const repeat = /^(.+)x(\d+)$/.exec(item);
    const single = signedDur(repeat ? repeat[1] : item);
    if (single === null) throw new Error(`bad start timestamp item "${item}"`);
    for (let k = 0; k <= (repeat ? Number(repeat[2]) : 0); k++) out.push(single);
  }
  return out;
}

function dur(s: string): number | null {
  const d = parseDuration(s);
  if (d !== null) return d;
  const n = Number(s);
  return Number.isFinite(n) ? Math.round(n * 1000) : null;
}

const INSTANT_RE = /^eval(?:_(fail|warn|info|ordered))?\s+instant\s+(?:at\s+(\S+)\s+)?(.+)$/i;
const RANGE_RE = /^eval(?:_(fail|warn|info|ordered))?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.+)$/i;

/** Parses a promqltest file into commands (FORMAT.md §1–§5). */
export function parseTestFile(file: string, text: string): Command[] {
  const lines = text.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
  const cmds: Command[] = [];
  let i = 0;
  const err = (n: number, msg: string, cause?: unknown): never => {
    throw new TestFileError(file, n + 1, msg, { cause });
  };
  while (i < lines.length) {
    const l = lines[i];
    if (l === '') { i++; continue; }
    const word = l.split(/\s+/)[0].toLowerCase();
    const start = i;
    const body: string[] = [];
    i++;
    if (word === 'clear') {
      // `clear` is one line; the next command may follow without a blank line.
      cmds.push({ kind: 'clear', line: start + 1 });
      continue;
    }
    while (i < lines.length && lines[i] !== '') body.push(lines[i++]);
    if (word.startsWith('load')) {
      const parts = l.split(/\s+/);
      const interval = dur(parts[1] ?? '');
      if (interval === null) err(start, `invalid load interval "${parts[1]}"`);
      const series: SeriesLine[] = [];
      const startOffsets = new Map<string, (number | null)[]>();
      let hasSt = false;
      body.forEach((b, k) => {
        try {
          const { labels, rest } = parseSeriesLabels(b);
          if (rest.startsWith('@st')) {
            hasSt = true;
            startOffsets.set(canonicalLabels(labels), expandStartOffsets(rest.slice(3).trim()));
            return;
          }
          series.push({ labels, values: expandValues(rest) });
        } catch (e) {
          err(start + 1 + k, (e as Error).message, e);
        }
      });
      // A series' `@st` line may stand before or after its values.
      if (hasSt) {
        for (let k = 0; k < series.length; k++) {
          const offsets = startOffsets.get(canonicalLabels(series[k].labels));
          if (offsets !== undefined) series[k] = { ...series[k], startOffsets: offsets };
        }
      }
      cmds.push({ kind: 'load', line: start + 1, interval: interval!, series, nhcb: word === 'load_with_nhcb', hasStartTimestamps: hasSt });
    } else if (word.startsWith('eval')) {
      cmds.push(parseEval(l, body, start, err));
    } else {
      err(start, `invalid command "${l}"`);
    }
  }
  return cmds;
}

function annotation(): AnnotationExpectation {
  return { any: false, msgs: [], regexes: [], none: false };
}

function parseEval(header: string, body: string[], at: number, err: (n: number, m: string, c?: unknown) => never): EvalCommand {
  let variant: string | undefined;
  let instant = true;
  let start = 0, end = 0, step = 0, expr = '';
  const mi = INSTANT_RE.exec(header);
  const mr = RANGE_RE.exec(header);
  if (mr) {
    instant = false;
    variant = mr[1];
    const s = dur(mr[2]), e = dur(mr[3]), st = dur(mr[4]);
    if (s === null || e === null || st === null) err(at, 'invalid range times');
    start = s!; end = e!; step = st!;
    expr = mr[5];
  } else if (mi) {
    variant = mi[1];
    const t = mi[2] === undefined ? 0 : dur(mi[2]);
    if (t === null) err(at, `invalid time "${mi[2]}"`);
    start = end = t!;
    expr = mi[3];
  } else {
    err(at, `invalid eval command "${header}"`);
  }
  const cmd: EvalCommand = {
    kind: 'eval', line: at + 1, expr, instant, start, end, step, fail: false, failMsg: null, failRegex: null,
    warn: annotation(), info: annotation(), ordered: false, rangeVector: null, expectString: null,
    scalar: null, series: [], histogramOutput: false,
  };
  const v = variant?.toLowerCase();
  if (v === 'fail') cmd.fail = true;
  if (v === 'warn') cmd.warn.any = true;
  if (v === 'info') cmd.info.any = true;
  if (v === 'ordered') cmd.ordered = true;
  for (let k = 0; k < body.length; k++) {
    const b = body[k];
    const n = at + 1 + k;
    let m: RegExpExecArray | null;
    if ((m = /^expect\s+fail(?:\s+(msg|regex):\s*(.*))?$/.exec(b))) {
      cmd.fail = true;
      if (m[1] === 'msg') cmd.failMsg = m[2].trim();
      if (m[1] === 'regex') cmd.failRegex = m[2].trim();
      continue;
    }
    if ((m = /^expected_fail_(message|regexp)\s+(.*)$/.exec(b))) {
      if (m[1] === 'message') cmd.failMsg = m[2].trim();
      else cmd.failRegex = m[2].trim();
      continue;
    }
    if ((m = /^expect\s+(warn|info)(?:\s+(msg|regex):\s*(.*))?$/.exec(b))) {
      const a = m[1] === 'warn' ? cmd.warn : cmd.info;
      if (m[2] === 'msg') a.msgs.push(m[3].trim());
      else if (m[2] === 'regex') a.regexes.push(m[3].trim());
      else a.any = true;
      continue;
    }
    if ((m = /^expect\s+no_(warn|info)$/.exec(b))) {
      (m[1] === 'warn' ? cmd.warn : cmd.info).none = true;
      continue;
    }
    if (/^expect\s+ordered$/.test(b)) { cmd.ordered = true; continue; }
    if ((m = /^expect\s+range\s+vector\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)$/.exec(b))) {
      cmd.rangeVector = { start: dur(m[1])!, end: dur(m[2])!, step: dur(m[3])! };
      continue;
    }
    if ((m = /^expect\s+string\s+(.*)$/.exec(b))) {
      try {
        cmd.expectString = readString(m[1].trim(), 0).value;
      } catch (e) {
        err(n, 'bad expected string', e);
      }
      continue;
    }
    const num = parseNumber(b);
    if (num !== null) {
      cmd.scalar = num;
      break;
    }
    try {
      const { labels, rest } = parseSeriesLabels(b);
      const values = expandValues(rest);
      if (values.some(isHistogramValue)) cmd.histogramOutput = true;
      cmd.series.push({ labels, values });
    } catch (e) {
      err(n, `bad expected series "${b}": ${(e as Error).message}`, e);
    }
  }
  return cmd;
}
