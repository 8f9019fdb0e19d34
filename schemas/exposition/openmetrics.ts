import type { Labels } from '../labels.js';
import { METRIC_NAME } from '../labels.js';
import { ExpositionParseError } from './errors.js';
import { parseFloatLiteral } from './float-literal.js';
import { LabelSet } from './label-set.js';
import { labelNameAt, nameAt, scanLabelName, scanMetricName } from './name-chars.js';
import { type OmFamily, Suffix } from './openmetrics-family.js';
import { OpenMetricsRules } from './openmetrics-rules.js';
import type { Entry, Exemplar, MetricType, Parser } from './parser.js';

/** Exemplar label names and values together may hold at most this many code points. */
const EXEMPLAR_MAX_CODE_POINTS = 128;

/**
 * Pull parser for OpenMetrics 1.0 text. The line syntax is the ABNF of the specification, strict
 * (single spaces, no blank lines, no free comments, `# EOF` last); the family rules are in
 * `OpenMetricsRules`. Timestamps are float seconds in the text and milliseconds out of
 * `timestamp()` (rounded to the nearest millisecond).
 */
export class OpenMetricsParser implements Parser {
  private readonly s: string;
  private readonly len: number;
  private pos = 0;
  private lineNo = 0;
  private lineStart = 0;
  private eof = false;
  private failed: ExpositionParseError | undefined;
  private readonly rules: OpenMetricsRules;

  private readonly lset = new LabelSet();
  private readonly elset = new LabelSet();
  private name = '';
  private fam: OmFamily | undefined;
  private val = 0;
  private tsSec: number | undefined;
  private hasExemplar = false;
  private exValue = 0;
  private exTsSec: number | undefined;
  // The name and label text of the last sample line, and the family and suffix it parsed to.
  private lastKey = '';
  private lastFam: OmFamily | undefined;
  private lastSuffix = Suffix.None;

  private metaName = '';
  private metaText = '';
  private metaType: MetricType = 'unknown';

  /** `strict`: see `OpenMetricsRules`; pass `false` to accept what the Prometheus server accepts. */
  constructor(text: string, options: { strict?: boolean } = {}) {
    this.s = text;
    this.len = text.length;
    this.rules = new OpenMetricsRules((line, column, message) => {
      throw new ExpositionParseError('openmetrics', line, column, message);
    }, options.strict ?? true);
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
    return this.tsSec === undefined ? undefined : Math.round(this.tsSec * 1000);
  }
  exemplar(): Exemplar | undefined {
    if (!this.hasExemplar) return undefined;
    const labels = this.elset.toLabels(undefined);
    return this.exTsSec === undefined ? { labels, value: this.exValue } : { labels, value: this.exValue, timestamp: Math.round(this.exTsSec * 1000) };
  }
  familyName(): string {
    return this.fam?.name ?? this.name;
  }
  familyType(): MetricType {
    return this.fam?.type ?? 'unknown';
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
    return this.metaText;
  }
  comment(): string {
    return '';
  }
  line(): number {
    return this.lineNo;
  }

  private fail(at: number, msg: string): never {
    throw new ExpositionParseError('openmetrics', this.lineNo, at - this.lineStart + 1, msg);
  }

  private advance(): Entry | undefined {
    const s = this.s;
    if (this.eof) return undefined;
    if (this.pos >= this.len) {
      this.rules.close();
      throw new ExpositionParseError('openmetrics', Math.max(this.lineNo, 1), 1, 'expected "# EOF" at the end of the input');
    }
    const ls = this.pos;
    let le = s.indexOf('\n', ls);
    if (le < 0) le = this.len;
    this.lineNo++;
    this.lineStart = ls;
    this.pos = le + 1;
    if (le === ls) this.fail(ls, 'unexpected blank line');
    if (s.charCodeAt(ls) === 35 /* # */) return this.parseMetadata(ls, le);
    this.parseSample(ls, le);
    return 'series';
  }

  private parseMetadata(ls: number, le: number): Entry | undefined {
    const s = this.s;
    if (le - ls === 5 && s.startsWith('# EOF', ls)) {
      this.rules.close();
      if (le + 1 < this.len || (le < this.len && s.charCodeAt(le) !== 10)) {
        this.lineNo++;
        this.lineStart = le + 1;
        this.fail(le + 1, 'unexpected data after "# EOF"');
      }
      this.eof = true;
      return undefined;
    }
    let kind: 'help' | 'type' | 'unit';
    if (s.startsWith('# HELP ', ls)) kind = 'help';
    else if (s.startsWith('# TYPE ', ls)) kind = 'type';
    else if (s.startsWith('# UNIT ', ls)) kind = 'unit';
    else return this.fail(ls, `invalid metadata line "${s.slice(ls, Math.min(le, ls + 40))}": expected "# HELP", "# TYPE", "# UNIT" or "# EOF"`);
    const ns = ls + 7;
    let ne: number;
    let name: string;
    if (s.charCodeAt(ns) === 34 /* " */) {
      // A UTF-8 family name, quoted (`# TYPE "my.metric" gauge`).
      ne = this.quotedEnd(ns + 1, le);
      name = this.quoted(ns + 1, ne - 1);
    } else {
      ne = scanMetricName(s, ns, le);
      if (ne === ns) this.fail(ns, `expected metric name after "# ${kind.toUpperCase()}"`);
      name = s.slice(ns, ne);
    }
    if (ne === le) this.fail(ne, `expected a space and the ${kind === 'help' ? 'help text' : kind} after the metric name`);
    if (s.charCodeAt(ne) !== 32) this.fail(ne, 'invalid metric name in metadata line');
    const text = kind === 'help' ? unescapeHelp(s, ne + 1, le) : s.slice(ne + 1, le);
    this.rules.metadata(kind, name, text, this.lineNo);
    this.metaName = name;
    this.metaText = text;
    if (kind === 'type') this.metaType = text as MetricType;
    return kind;
  }

  private parseSample(i: number, le: number): void {
    const s = this.s;
    const rules = this.rules;
    let fam = rules.cur;
    let suffix = Suffix.None;
    // Import files hold a series' samples line after line: a line that starts with the name and
    // labels of the line before, under the same family, parses to what that line did (the
    // label set and its source spans still hold, as the text at the old spans is the same).
    const key = this.lastKey;
    // (A slice compared with === is several times faster than startsWith at an offset.)
    if (key !== '' && fam === this.lastFam && s.charCodeAt(i + key.length) === 32 && s.substring(i, i + key.length) === key) {
      this.parseValues(i + key.length, le, fam!, this.lastSuffix);
      return;
    }
    const ls = i;
    let nEnd = -1;
    if (fam !== undefined) {
      const allowed = fam.allowed;
      for (let k = 0; k < allowed.length; k++) {
        if (nameAt(s, i, le, allowed[k])) {
          this.name = allowed[k];
          suffix = fam.allowedSuffix[k];
          nEnd = i + allowed[k].length;
          break;
        }
      }
    }
    if (nEnd < 0 && s.charCodeAt(i) === 123 /* { */) {
      // The name is the quoted string inside the braces (`{"my.metric",a="x"} 1`).
      this.lset.reset();
      this.quotedName = undefined;
      i = this.parseLabels(this.lset, i + 1, le);
      const name = this.quotedName as string | undefined;
      if (name === undefined) this.fail(i - 1, 'expected metric name');
      // The raw label text holds the name: grouping keys are built from the pairs instead.
      this.lset.hasEscape = true;
      this.name = name;
      const k = fam === undefined ? -1 : fam.allowed.indexOf(name);
      if (k >= 0) suffix = fam!.allowedSuffix[k];
      else fam = rules.openUnknown(name, this.lineNo);
      this.fam = fam;
      this.finishSample(ls, i, le, fam!, suffix);
      return;
    }
    if (nEnd < 0) {
      nEnd = scanMetricName(s, i, le);
      if (nEnd === i) this.fail(i, 'expected metric name');
      this.name = s.slice(i, nEnd);
      fam = rules.openUnknown(this.name, this.lineNo);
    }
    this.fam = fam;
    i = nEnd;
    this.lset.reset();
    if (i < le && s.charCodeAt(i) === 123 /* { */) i = this.parseLabels(this.lset, i + 1, le);
    this.finishSample(ls, i, le, fam!, suffix);
  }

  /** The rest of a sample line from after its name and labels, remembered for the next line. */
  private finishSample(ls: number, i: number, le: number, fam: OmFamily, suffix: Suffix): void {
    const s = this.s;
    if (i >= le || s.charCodeAt(i) !== 32) this.fail(i, i >= le ? 'expected a space and the value' : `expected a space before the value, got "${s[i]}"`);
    this.lastKey = '';
    this.parseValues(i, le, fam, suffix);
    // Only once the whole line parsed: a line that failed leaves nothing to reuse.
    this.lastKey = s.slice(ls, i);
    this.lastFam = fam;
    this.lastSuffix = suffix;
  }

  /** Parses ` value [timestamp] [exemplar]` from the space after the labels, and checks the sample against its family. */
  private parseValues(i: number, le: number, fam: OmFamily, suffix: Suffix): void {
    const s = this.s;
    const rules = this.rules;
    i++;
    let vEnd = i;
    while (vEnd < le && s.charCodeAt(vEnd) !== 32) vEnd++;
    const v = parseFloatLiteral(s, i, vEnd);
    if (v === undefined) this.fail(i, `expected float as value, got "${s.slice(i, vEnd)}"`);
    this.val = v;
    this.tsSec = undefined;
    this.hasExemplar = false;
    i = vEnd;
    if (i < le) {
      i++; // the single space
      if (i >= le) this.fail(i - 1, 'unexpected trailing space');
      if (s.charCodeAt(i) !== 35 /* # */) {
        let tEnd = i;
        while (tEnd < le && s.charCodeAt(tEnd) !== 32) tEnd++;
        this.tsSec = this.parseTimestamp(i, tEnd);
        i = tEnd;
        if (i < le) {
          i++;
          if (i >= le) this.fail(i - 1, 'unexpected trailing space');
        }
      }
      if (i < le) this.parseExemplar(i, le);
    }
    rules.sample(fam, suffix, s, this.lset, v, this.tsSec, this.hasExemplar, this.lineNo);
  }

  private parseTimestamp(i: number, end: number): number {
    const t = parseFloatLiteral(this.s, i, end);
    if (t === undefined || !Number.isFinite(t)) this.fail(i, `invalid timestamp "${this.s.slice(i, end)}"`);
    return t;
  }

  /** Parses ` # {labels} value [timestamp]` from the `#`. */
  private parseExemplar(i: number, le: number): void {
    const s = this.s;
    if (s.charCodeAt(i) !== 35 || !s.startsWith('# {', i)) this.fail(i, 'expected exemplar "# {labels} value [timestamp]"');
    const elset = this.elset;
    elset.reset();
    i = this.parseLabels(elset, i + 3, le);
    let cps = 0;
    for (let k = 0; k < elset.size; k++) cps += codePoints(elset.names[k]) + codePoints(elset.values[k]);
    if (cps > EXEMPLAR_MAX_CODE_POINTS) this.fail(i, `exemplar labels have ${cps} code points, more than ${EXEMPLAR_MAX_CODE_POINTS}`);
    if (i >= le || s.charCodeAt(i) !== 32) this.fail(i, 'expected a space and the exemplar value');
    i++;
    let vEnd = i;
    while (vEnd < le && s.charCodeAt(vEnd) !== 32) vEnd++;
    const v = parseFloatLiteral(s, i, vEnd);
    if (v === undefined) this.fail(i, `expected float as exemplar value, got "${s.slice(i, vEnd)}"`);
    this.exValue = v;
    this.exTsSec = undefined;
    this.hasExemplar = true;
    i = vEnd;
    if (i < le) {
      i++;
      let tEnd = i;
      while (tEnd < le && s.charCodeAt(tEnd) !== 32) tEnd++;
      if (tEnd === i) this.fail(i, 'unexpected trailing space');
      this.exTsSec = this.parseTimestamp(i, tEnd);
      if (tEnd < le) this.fail(tEnd, 'unexpected text after the exemplar timestamp');
    }
  }

  // The quoted metric name read inside the braces of the current sample, if any.
  private quotedName: string | undefined;

  /** True when the `{` at `b` opens the line (no name before the braces). */
  private nameInBraces(b: number): boolean {
    return b === this.lineStart;
  }

  /** Index after the closing quote of a quoted name whose text starts at `i`. */
  private quotedEnd(i: number, le: number): number {
    const s = this.s;
    for (let j = i; j < le; j++) {
      const c = s.charCodeAt(j);
      if (c === 34) return j + 1;
      if (c === 92) j++;
    }
    return this.fail(i - 1, 'unterminated quoted name');
  }

  /** The unescaped text of a quoted name between `i` and the closing quote at `end`. */
  private quoted(i: number, end: number): string {
    for (let j = i; j < end; j++) if (this.s.charCodeAt(j) === 92) return unescapeValue(this.s, i, end);
    return this.s.slice(i, end);
  }

  /** Parses `name="value",...}` from just after `{` into `into`; returns the index after `}`. */
  private parseLabels(into: LabelSet, i: number, le: number): number {
    const s = this.s;
    into.rawStart = i;
    if (i < le && s.charCodeAt(i) === 125) {
      into.rawEnd = i;
      return i + 1;
    }
    for (;;) {
      const pairStart = i;
      const hint = into.nameHint(into.size);
      let name: string;
      let nEnd: number;
      let quoted = false;
      if (hint !== undefined && labelNameAt(s, i, le, hint)) {
        name = hint;
        nEnd = i + hint.length;
      } else if (i < le && s.charCodeAt(i) === 34 /* " */) {
        quoted = true;
        nEnd = this.quotedEnd(i + 1, le);
        name = this.quoted(i + 1, nEnd - 1);
        const c = nEnd < le ? s.charCodeAt(nEnd) : -1;
        if (c === 44 /* , */ || c === 125 /* } */) {
          // A quoted string without a value: the metric name, once, in braces that had none before them.
          if (into !== this.lset || this.quotedName !== undefined || s.charCodeAt(into.rawStart - 1) !== 123 || !this.nameInBraces(into.rawStart - 1)) {
            this.fail(i, `unexpected metric name ${JSON.stringify(name)} in label set`);
          }
          this.quotedName = name;
          into.hasEscape = true;
          if (c === 125) {
            into.rawEnd = nEnd;
            return nEnd + 1;
          }
          i = nEnd + 1;
          continue;
        }
      } else {
        nEnd = scanLabelName(s, i, le);
        if (nEnd === i) this.fail(i, i < le ? `invalid label name starting with "${s[i]}"` : 'expected label name');
        name = s.slice(i, nEnd);
      }
      if (nEnd >= le || s.charCodeAt(nEnd) !== 61) this.fail(nEnd, `expected '=' after label name "${name}"`);
      if (name === METRIC_NAME) this.fail(i, `label name "${METRIC_NAME}" is reserved`);
      if (into.indexOf(name) >= 0) this.fail(i, `duplicate label name "${name}"`);
      i = nEnd + 1;
      if (i >= le || s.charCodeAt(i) !== 34) this.fail(i, `expected '"' at start of label value of "${name}"`);
      i++;
      // OpenMetrics knows \\, \" and \n; any other backslash stays as written.
      let j = i;
      let hasEscape = false;
      for (; j < le; j++) {
        const c = s.charCodeAt(j);
        if (c === 34) break;
        if (c === 92) {
          hasEscape = true;
          j++;
        }
      }
      if (j >= le) this.fail(i - 1, `unterminated label value of "${name}"`);
      into.push(name, hasEscape ? unescapeValue(s, i, j) : s.slice(i, j), quoted);
      // Quoted names make the raw text differ from the canonical pairs.
      if (hasEscape || quoted) into.hasEscape = true;
      i = j + 1;
      into.span(pairStart, i);
      const c = i < le ? s.charCodeAt(i) : -1;
      if (c === 125) {
        into.rawEnd = i;
        return i + 1;
      }
      if (c !== 44) this.fail(i, `expected ',' or '}' after label value of "${name}"`);
      i++;
    }
  }
}

function unescapeValue(s: string, i: number, end: number): string {
  let out = '';
  let from = i;
  for (let j = i; j < end; j++) {
    if (s.charCodeAt(j) !== 92) continue;
    const e = s[j + 1];
    if (e === '\\' || e === '"' || e === 'n') {
      out += s.slice(from, j) + (e === 'n' ? '\n' : e);
      j++;
      from = j + 1;
    } else {
      j++;
    }
  }
  return out + s.slice(from, end);
}

function unescapeHelp(s: string, i: number, end: number): string {
  // Bounded scan: `indexOf` would search the rest of the input when the line has no backslash.
  for (let j = i; j < end; j++) if (s.charCodeAt(j) === 92) return unescapeValue(s, i, end);
  return s.slice(i, end);
}

function codePoints(v: string): number {
  let n = v.length;
  for (let k = 0; k < v.length; k++) {
    const c = v.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdbff) n--; // a surrogate pair is one code point
  }
  return n;
}
