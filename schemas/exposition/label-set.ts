import type { Labels } from '../labels.js';
import { METRIC_NAME } from '../labels.js';

/**
 * The label pairs of the current sample, held in reused arrays so parsing a series allocates
 * only its value strings. Names of the previous sample are kept so a parser can reuse a name
 * string when the next sample repeats it (the usual case within a family).
 */
export class LabelSet {
  names: string[] = [];
  values: string[] = [];
  size = 0;

  // Past this many pairs, name lookups go through a map so huge label sets stay linear.
  private static readonly INDEX_FROM = 32;
  private index: Map<string, number> | undefined;

  reset(): void {
    this.size = 0;
    this.hasEscape = false;
    this.index = undefined;
  }

  // Per index: whether the name there was written quoted (a UTF-8 name, `"a.b"="x"`).
  private quoted: boolean[] = [];

  /**
   * The previous sample's name at index `k`, a candidate for reuse; none where that name was
   * quoted, so an unquoted `a.b=` can never match it.
   */
  nameHint(k: number): string | undefined {
    return k < this.names.length && !this.quoted[k] ? this.names[k] : undefined;
  }

  push(name: string, value: string, quoted = false): void {
    const k = this.size++;
    this.names[k] = name;
    this.values[k] = value;
    this.quoted[k] = quoted;
    if (this.index) {
      if (!this.index.has(name)) this.index.set(name, k);
    } else if (this.size > LabelSet.INDEX_FROM) {
      this.index = new Map();
      for (let j = this.size - 1; j >= 0; j--) this.index.set(this.names[j], j);
    }
  }

  /** Index of `name` among the current pairs, or -1. */
  indexOf(name: string): number {
    if (this.index) return this.index.get(name) ?? -1;
    for (let k = 0; k < this.size; k++) if (this.names[k] === name) return k;
    return -1;
  }

  get(name: string): string | undefined {
    const k = this.indexOf(name);
    return k < 0 ? undefined : this.values[k];
  }

  /** A new labels object with `__name__` first. */
  toLabels(metricName: string | undefined): Labels {
    const out: Record<string, string> = {};
    if (metricName !== undefined) out[METRIC_NAME] = metricName;
    for (let k = 0; k < this.size; k++) out[this.names[k]] = this.values[k];
    return out;
  }

  // Where the pairs were written, for `groupKey`: set by the OpenMetrics parser.
  starts: number[] = [];
  ends: number[] = [];
  rawStart = 0;
  rawEnd = 0;
  hasEscape = false;

  /** Records the source span of the last pushed pair (name start to after its closing quote). */
  span(start: number, end: number): void {
    this.starts[this.size - 1] = start;
    this.ends[this.size - 1] = end;
  }

  /**
   * A key for the pairs other than `skip`, independent of their order: what OpenMetrics groups
   * the samples of one metric point by. It is the pairs written canonically
   * (`a="1",b="2"`, sorted, escaped); when the source already has that form, the key is a slice
   * of `src` with the `skip` pair cut out, so the usual case builds no string.
   */
  groupKey(src: string, skip: string): string {
    let ks = -1;
    let sorted = true;
    let prev = '';
    let n = 0;
    for (let k = 0; k < this.size; k++) {
      const name = this.names[k];
      if (name === skip) {
        ks = k;
        continue;
      }
      if (n > 0 && name < prev) sorted = false;
      prev = name;
      n++;
    }
    if (n === 0) return '';
    if (sorted && !this.hasEscape) {
      if (ks < 0) return src.slice(this.rawStart, this.rawEnd);
      if (ks === 0) return src.slice(this.ends[0] + 1, this.rawEnd);
      if (ks === this.size - 1) return src.slice(this.rawStart, this.starts[ks] - 1);
      return src.slice(this.rawStart, this.starts[ks]) + src.slice(this.ends[ks] + 1, this.rawEnd);
    }
    const idx: number[] = [];
    for (let k = 0; k < this.size; k++) if (k !== ks) idx.push(k);
    idx.sort((a, b) => (this.names[a] < this.names[b] ? -1 : 1));
    let key = '';
    for (const k of idx) key += (key === '' ? '' : ',') + this.names[k] + '="' + canonicalEscape(this.values[k]) + '"';
    return key;
  }

  /** True when the pairs other than `skip` are exactly `names`/`values` (in any order). */
  sameAs(names: readonly string[], values: readonly string[], count: number, skip: string): boolean {
    if (count > LabelSet.INDEX_FROM) return false; // callers then compare keys, which is linear
    let n = 0;
    for (let k = 0; k < this.size; k++) {
      const name = this.names[k];
      if (name === skip) continue;
      n++;
      const j = k < count && names[k] === name ? k : names.indexOf(name);
      if (j < 0 || j >= count || values[j] !== this.values[k]) return false;
    }
    return n === count;
  }

  /** Copies the pairs other than `skip` into `names`/`values`; returns how many. */
  copyTo(names: string[], values: string[], skip: string): number {
    let n = 0;
    for (let k = 0; k < this.size; k++) {
      if (this.names[k] === skip) continue;
      names[n] = this.names[k];
      values[n] = this.values[k];
      n++;
    }
    return n;
  }
}

function canonicalEscape(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    out += c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '\n' ? '\\n' : c;
  }
  return out;
}
