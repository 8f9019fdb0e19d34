import type { Labels } from '../labels.js';
import { METRIC_NAME } from '../labels.js';
import { ExpositionParseError } from './errors.js';
import { parseFloatLiteral, parseIntLiteral } from './float-literal.js';
import { LabelSet } from './label-set.js';
import { labelNameAt, nameAt, scanLabelName, scanMetricName } from './name-chars.js';
import type { Entry, Exemplar, MetricType, Parser } from './parser.js';

/** A family as the text format knows it: keyed by name, typed once, described once. */
interface TextFamily {
  readonly name: string;
  type: MetricType | undefined;
  hasHelp: boolean;
}

const TEXT_TYPES: Record<string, MetricType> = {
  COUNTER: 'counter',
  GAUGE: 'gauge',
  SUMMARY: 'summary',
  UNTYPED: 'unknown',
  HISTOGRAM: 'histogram',
  GAUGE_HISTOGRAM: 'gaugehistogram',
};

const SPACE = 32;
const TAB = 9;

/**
 * Pull parser for the Prometheus text format 0.0.4, with the rules of expfmt's `TextParser` (what
 * `promtool check metrics` runs): samples of a family may be interleaved with others; HELP and
 * TYPE at most once per family and TYPE before its samples; `le`/`quantile` must be floats in
 * histograms/summaries; label values escape only `\\`, `\"` and `\n`; timestamps are integer
 * milliseconds; the last line must end with a newline. One deliberate leniency, as the Prometheus
 * server's scrape parser: blanks after the value or the timestamp are ignored.
 */
export class PromTextParser implements Parser {
  private readonly s: string;
  private readonly len: number;
  private pos = 0;
  private lineNo = 0;
  private lineStart = 0;
  private failed: ExpositionParseError | undefined;

  private readonly families = new Map<string, TextFamily>();
  private readonly lset = new LabelSet();
  private name = '';
  private fam: TextFamily = { name: '', type: undefined, hasHelp: false };
  private val = 0;
  private ts: number | undefined;
  // Family resolution of the previous sample, reused while the name repeats.
  private lastName = '';
  private lastFam: TextFamily | undefined;

  // The `expectSeries` hint for the next sample, and whether the current one matched it.
  private hint: string | undefined;
  private hintType: MetricType = 'unknown';
  private matched = false;
  private valueAt = 0;

  private metaName = '';
  private metaText = '';
  private metaType: MetricType = 'unknown';
  private commentStart = 0;
  private commentEnd = 0;

  constructor(text: string) {
    this.s = text;
    this.len = text.length;
  }

  next(): Entry | undefined {
    if (this.failed) throw this.failed;
    try {
      return this.advance();
    } catch (e) {
      if (e instanceof ExpositionParseError) this.failed = e;
      throw e;
    }
  }

  metricName(): string {
    return this.name;
  }
  labels(): Labels {
    return this.lset.toLabels(this.name);
  }
  value(): number {
    return this.val;
  }
  timestamp(): number | undefined {
    return this.ts;
  }
  exemplar(): Exemplar | undefined {
    return undefined;
  }
  familyName(): string {
    return this.fam.name;
  }
  familyType(): MetricType {
    return this.fam.type ?? 'unknown';
  }
  metadataName(): string {
    return this.metaName;
  }
  help(): string {
    return this.metaText;
  }
  type(): MetricType {
    return this.metaType;
  }
  unit(): string {
    return '';
  }
  comment(): string {
    return this.s.slice(this.commentStart, this.commentEnd);
  }
  line(): number {
    return this.lineNo;
  }
  expectSeries(prefix: string, type: MetricType): void {
    this.hint = prefix;
    this.hintType = type;
  }
  matchedExpected(): boolean {
    return this.matched;
  }
  seriesText(): string {
    return this.s.slice(this.lineStart, this.valueAt);
  }

  private fail(at: number, msg: string): never {
    throw new ExpositionParseError('prometheus', this.lineNo, at - this.lineStart + 1, msg);
  }

  private advance(): Entry | undefined {
    const s = this.s;
    while (this.pos < this.len) {
      const ls = this.pos;
      let le = s.indexOf('\n', ls);
      this.lineNo++;
      this.lineStart = ls;
      let i = ls;
      if (le < 0) {
        le = this.len;
        while (i < le && isBlank(s.charCodeAt(i))) i++;
        // expfmt: a line cut off by the end of the input is an error, trailing blanks are not.
        if (i < le) this.fail(le, 'unexpected end of input stream');
        this.pos = le;
        return undefined;
      }
      this.pos = le + 1;
      while (i < le && isBlank(s.charCodeAt(i))) i++;
      if (i === le) continue;
      if (s.charCodeAt(i) === 35 /* # */) {
        const e = this.parseComment(i, ls, le);
        if (e) return e;
        continue;
      }
      this.parseSample(i, le);
      return 'series';
    }
    return undefined;
  }

  private parseComment(i: number, ls: number, le: number): Entry | undefined {
    const s = this.s;
    this.commentStart = ls;
    this.commentEnd = le;
    i++;
    while (i < le && isBlank(s.charCodeAt(i))) i++;
    let kwEnd = i;
    while (kwEnd < le && !isBlank(s.charCodeAt(kwEnd))) kwEnd++;
    if (kwEnd === le || kwEnd - i !== 4) return 'comment';
    const isHelp = s.startsWith('HELP', i);
    if (!isHelp && !s.startsWith('TYPE', i)) return 'comment';
    i = kwEnd;
    while (i < le && isBlank(s.charCodeAt(i))) i++;
    let name: string;
    let nEnd: number;
    if (i < le && s.charCodeAt(i) === 34 /* " */) {
      // A UTF-8 name, quoted as in the label values (Prometheus 3's `# TYPE "my.metric" gauge`).
      name = this.labelValue(i + 1, le);
      nEnd = this.valueEnd + 1;
      if (nEnd === le) return 'comment';
      if (!isBlank(s.charCodeAt(nEnd))) this.fail(nEnd, 'invalid metric name in comment');
    } else {
      nEnd = scanMetricName(s, i, le);
      if (nEnd === le) return 'comment';
      if (!isBlank(s.charCodeAt(nEnd))) this.fail(nEnd, 'invalid metric name in comment');
      name = s.slice(i, nEnd);
    }
    const fam = this.resolve(name, true);
    i = nEnd;
    while (i < le && isBlank(s.charCodeAt(i))) i++;
    if (i === le) return 'comment';
    this.metaName = fam.name;
    if (isHelp) {
      if (fam.hasHelp) this.fail(ls, `second HELP line for metric name "${fam.name}"`);
      fam.hasHelp = true;
      this.metaText = this.unescapeHelp(i, le);
      return 'help';
    }
    if (fam.type !== undefined) this.fail(ls, `second TYPE line for metric name "${fam.name}", or TYPE reported after samples`);
    const word = s.slice(i, le);
    const t = TEXT_TYPES[word.toUpperCase()];
    if (t === undefined) this.fail(i, `unknown metric type "${word}"`);
    fam.type = t;
    this.metaType = t;
    this.lastFam = undefined; // a new type can change which family `x_count` belongs to
    return 'type';
  }

  private unescapeHelp(i: number, le: number): string {
    const s = this.s;
    const bs = indexOfBackslash(s, i, le);
    if (bs < 0) return s.slice(i, le);
    let out = '';
    let from = i;
    for (let j = bs; j < le; j++) {
      if (s.charCodeAt(j) !== 92) continue;
      out += s.slice(from, j);
      const c = j + 1 < le ? s[j + 1] : '\n';
      if (c === '\\') out += '\\';
      else if (c === 'n') out += '\n';
      else if (c === '"') out += '"';
      else this.fail(j, `invalid escape sequence '\\${c === '\n' ? '\\n' : c}'`);
      j++;
      from = j + 1;
    }
    return out + s.slice(from, le);
  }

  /** The family a name belongs to: itself, or the summary/histogram it is a `_sum`/`_count`/`_bucket` of. */
  private resolve(name: string, create: boolean): TextFamily {
    const m = this.families;
    let f = m.get(name);
    if (f) return f;
    const n = name.length;
    let base: string | undefined;
    if (n > 6 && name.endsWith('_count')) base = name.slice(0, n - 6);
    else if (n > 4 && name.endsWith('_sum')) base = name.slice(0, n - 4);
    if (base !== undefined) {
      f = m.get(base);
      if (f && (f.type === 'summary' || f.type === 'histogram' || f.type === 'gaugehistogram')) return f;
    }
    if (n > 7 && name.endsWith('_bucket')) {
      f = m.get(name.slice(0, n - 7));
      if (f && (f.type === 'histogram' || f.type === 'gaugehistogram')) return f;
    }
    f = { name, type: undefined, hasHelp: false };
    if (create) m.set(name, f);
    return f;
  }

  private parseSample(i: number, le: number): void {
    const s = this.s;
    let nEnd: number;
    if (s.charCodeAt(i) === 123 /* { */) {
      this.parseSampleInBraces(i, le);
      return;
    }
    if (this.lastFam !== undefined && nameAt(s, i, le, this.lastName)) {
      nEnd = i + this.lastName.length;
      this.fam = this.lastFam;
    } else {
      nEnd = scanMetricName(s, i, le);
      if (nEnd === i) this.fail(i, 'invalid metric name');
      const name = s.slice(i, nEnd);
      this.fam = this.resolve(name, true);
      this.lastName = name;
      this.lastFam = this.fam;
    }
    const fam = this.fam;
    if (fam.type === undefined) fam.type = 'unknown';
    this.name = this.lastName;
    const hint = this.hint;
    this.hint = undefined;
    const ls = this.lineStart;
    // The hinted series text parsed before as name [labels] blanks; the same text parses the same
    // way under the same family type, as long as no label block follows it.
    let h = -1;
    if (hint !== undefined && fam.type === this.hintType && ls + hint.length <= le && s.startsWith(hint, ls)) {
      h = ls + hint.length;
      while (h < le && isBlank(s.charCodeAt(h))) h++;
      if (h < le && s.charCodeAt(h) === 123 /* { */) h = -1;
    }
    if (h >= 0) {
      this.matched = true;
      i = h;
    } else {
      this.matched = false;
      i = nEnd;
      while (i < le && isBlank(s.charCodeAt(i))) i++;
      this.lset.reset();
      if (i < le && s.charCodeAt(i) === 123 /* { */) {
        i = this.parseLabels(i + 1, le);
        while (i < le && isBlank(s.charCodeAt(i))) i++;
      }
    }
    this.parseValueAndTimestamp(i, le);
  }

  /**
   * A sample whose metric name is the quoted string inside the braces (`{"my.metric",a="x"} 1`):
   * the text format 1.0.0 form of a name that is not a legacy one. The expectSeries hint is not
   * used for it.
   */
  private parseSampleInBraces(i: number, le: number): void {
    const s = this.s;
    this.hint = undefined;
    this.matched = false;
    this.lset.reset();
    this.quotedName = undefined;
    // The family is known only once the name is read: `le`/`quantile` checks need it, so they are
    // done after the labels, as the values are kept.
    this.fam = { name: '', type: 'unknown', hasHelp: false };
    i = this.parseLabels(i + 1, le);
    const name = this.quotedName;
    if (name === undefined) this.fail(i - 1, 'missing metric name');
    const fam = this.resolve(name, true);
    if (fam.type === undefined) fam.type = 'unknown';
    this.fam = fam;
    this.name = name;
    this.lastFam = undefined;
    const ftype = fam.type;
    const check = ftype === 'summary' ? 'quantile' : ftype === 'histogram' || ftype === 'gaugehistogram' ? 'le' : undefined;
    if (check !== undefined) {
      const v = this.lset.get(check);
      if (v !== undefined && parseFloatLiteral(v, 0, v.length) === undefined) this.fail(i, `expected float as value for '${check}' label, got "${v}"`);
    }
    while (i < le && isBlank(s.charCodeAt(i))) i++;
    this.parseValueAndTimestamp(i, le);
  }

  private parseValueAndTimestamp(i: number, le: number): void {
    const s = this.s;
    this.valueAt = i;
    let vEnd = i;
    while (vEnd < le && !isBlank(s.charCodeAt(vEnd))) vEnd++;
    const v = parseFloatLiteral(s, i, vEnd);
    if (v === undefined) this.fail(i, `expected float as value, got "${s.slice(i, vEnd)}"`);
    this.val = v;
    i = vEnd;
    while (i < le && isBlank(s.charCodeAt(i))) i++;
    if (i === le) {
      this.ts = undefined;
      return;
    }
    let tEnd = i;
    while (tEnd < le && !isBlank(s.charCodeAt(tEnd))) tEnd++;
    const t = parseIntLiteral(s, i, tEnd);
    if (t === undefined) this.fail(i, `expected integer as timestamp, got "${s.slice(i, tEnd)}"`);
    this.ts = t;
    i = tEnd;
    while (i < le && isBlank(s.charCodeAt(i))) i++;
    if (i < le) this.fail(i, `spurious string after timestamp: "${s.slice(i, le)}"`);
  }

  /** Parses `name="value", ...}` from just after `{`; returns the index after `}`. */
  private parseLabels(i: number, le: number): number {
    const s = this.s;
    const lset = this.lset;
    const ftype = this.fam.type;
    for (;;) {
      while (i < le && isBlank(s.charCodeAt(i))) i++;
      if (i < le && s.charCodeAt(i) === 125 /* } */) return i + 1;
      const k = lset.size;
      const hint = lset.nameHint(k);
      let name: string;
      let nEnd: number;
      let quoted = false;
      if (hint !== undefined && labelNameAt(s, i, le, hint)) {
        name = hint;
        nEnd = i + hint.length;
      } else if (i < le && s.charCodeAt(i) === 34 /* " */) {
        quoted = true;
        name = this.labelValue(i + 1, le);
        nEnd = this.valueEnd + 1;
        let j = nEnd;
        while (j < le && isBlank(s.charCodeAt(j))) j++;
        const c = j < le ? s.charCodeAt(j) : -1;
        if (c !== 61 /* = */) {
          // A quoted string without a value is the metric name (`{"my.metric"}`), once, in braces
          // that did not follow a name.
          if (this.fam.name !== '' || this.quotedName !== undefined) this.fail(i, `metric name already set while parsing: ${JSON.stringify(name)}`);
          this.quotedName = name;
          if (c === 44 /* , */) {
            i = j + 1;
            continue;
          }
          if (c === 125 /* } */) return j + 1;
          this.fail(j, `unexpected end of label value "${name}"`);
        }
      } else {
        nEnd = scanLabelName(s, i, le);
        if (nEnd === i) this.fail(i, `invalid label name for metric "${this.fam.name}"`);
        name = s.slice(i, nEnd);
      }
      i = nEnd;
      while (i < le && isBlank(s.charCodeAt(i))) i++;
      if (i >= le || s.charCodeAt(i) !== 61 /* = */) this.fail(i, `expected '=' after label name, found ${quoteChar(s, i, le)}`);
      if (name === METRIC_NAME) this.fail(nEnd - name.length, `label name "${METRIC_NAME}" is reserved`);
      if (lset.indexOf(name) >= 0) this.fail(nEnd - name.length, `duplicate label names for metric "${this.fam.name}"`);
      i++;
      while (i < le && isBlank(s.charCodeAt(i))) i++;
      if (i >= le || s.charCodeAt(i) !== 34 /* " */) this.fail(i, `expected '"' at start of label value, found ${quoteChar(s, i, le)}`);
      const vStart = i + 1;
      const value = this.labelValue(vStart, le);
      i = this.valueEnd + 1;
      if ((ftype === 'summary' && name === 'quantile') || ((ftype === 'histogram' || ftype === 'gaugehistogram') && name === 'le')) {
        if (parseFloatLiteral(value, 0, value.length) === undefined) {
          this.fail(vStart, `expected float as value for '${name}' label, got "${value}"`);
        }
      }
      lset.push(name, value, quoted);
      while (i < le && isBlank(s.charCodeAt(i))) i++;
      const c = i < le ? s.charCodeAt(i) : -1;
      if (c === 44 /* , */) {
        i++;
        continue;
      }
      if (c === 125) return i + 1;
      this.fail(i, `unexpected end of label value "${value}"`);
    }
  }

  private valueEnd = 0;
  // The quoted metric name read inside the braces of the current sample, if any.
  private quotedName: string | undefined;

  /** The unescaped value starting at `i` (after the quote); sets `valueEnd` to the closing quote. */
  private labelValue(i: number, le: number): string {
    const s = this.s;
    let j = i;
    for (; j < le; j++) {
      const c = s.charCodeAt(j);
      if (c === 34) {
        this.valueEnd = j;
        return s.slice(i, j);
      }
      if (c === 92) break;
    }
    let out = s.slice(i, j);
    for (; j < le; j++) {
      const c = s.charCodeAt(j);
      if (c === 34) {
        this.valueEnd = j;
        return out;
      }
      if (c !== 92) {
        out += s[j];
        continue;
      }
      const e = j + 1 < le ? s[j + 1] : '\n';
      if (e === '\\' || e === '"') out += e;
      else if (e === 'n') out += '\n';
      else this.fail(j, `invalid escape sequence '\\${e === '\n' ? '\\n' : e}'`);
      j++;
    }
    return this.fail(le, `label value "${out}" contains unescaped new-line`);
  }
}

/** Bounded search: `indexOf` would scan the rest of the input when the line has no backslash. */
function indexOfBackslash(s: string, i: number, end: number): number {
  for (; i < end; i++) if (s.charCodeAt(i) === 92) return i;
  return -1;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

function quoteChar(s: string, i: number, le: number): string {
  return i < le ? JSON.stringify(s[i]) : '"\\n"';
}
