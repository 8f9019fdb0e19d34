/**
 * Labels of one series, `__name__` included. Keys are label names, values label values.
 * Objects are treated as immutable once built: code that changes labels builds a new object.
 * The canonical form (names sorted) is what series identity, hashing and partitioning use.
 */
export type Labels = Readonly<Record<string, string>>;

export const METRIC_NAME = '__name__';

/**
 * Sets one label on a plain object. A label may be called `__proto__` (Prometheus allows it);
 * plain assignment would set the object's prototype instead and drop the label.
 */
export function setLabel(labels: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  else labels[name] = value;
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

export function isValidMetricName(name: string): boolean {
  return METRIC_NAME_RE.test(name);
}

/** Label names in canonical (byte-wise ascending) order. */
export function sortedLabelNames(labels: Labels): string[] {
  const names = Object.keys(labels);
  if (names.length > INSERTION_SORT_MAX) return names.sort(compareStrings);
  // An insertion sort: label sets are small, and a sort with a comparator calls it for every
  // comparison (keying a large select's series for the first time spent most of it there).
  for (let i = 1; i < names.length; i++) {
    const name = names[i];
    let j = i - 1;
    for (; j >= 0 && names[j] > name; j--) names[j + 1] = names[j];
    names[j + 1] = name;
  }
  return names;
}

/** Most names a label set has for sortedLabelNames to sort them by insertion. */
const INSERTION_SORT_MAX = 32;

/** Byte-wise string comparison, as Prometheus sorts labels (not locale-aware). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical identity of a label set inside one process (map keys): each label in sorted name
 * order as `name SEP value SEP`, SEP being a lone surrogate (U+D800). Text decoded from UTF-8
 * (HTTP bodies, protobuf, Avro) can never contain a lone surrogate, so no two label sets share a
 * key. The byte form that is hashed across processes is `canonicalBytes` in series-hash.ts.
 */
export function canonicalLabels(labels: Labels): string {
  const names = sortedLabelNames(labels);
  if (names.length === 0) return '';
  // Joined (the last part empty, for the closing SEP), not concatenated: a flat string. A string
  // built with += is a rope that a Map flattens before hashing it, which made a new series' key
  // lookup cost twice as much (the aggregator's first sight of a series).
  const parts = new Array<string>(names.length * 2 + 1);
  let j = 0;
  for (const n of names) {
    parts[j++] = n;
    parts[j++] = labels[n]!;
  }
  parts[j] = '';
  return parts.join(SEP);
}

const SEP = '\ud800';

/** Prometheus' text rendering: `name{a="1", b="2"}` (used in logs, errors and `tidemark tail`). */
export function formatLabels(labels: Labels): string {
  const name = labels[METRIC_NAME] ?? '';
  const parts: string[] = [];
  for (const n of sortedLabelNames(labels)) {
    if (n === METRIC_NAME) continue;
    parts.push(`${n}=${JSON.stringify(labels[n])}`);
  }
  return parts.length === 0 && name !== '' ? name : `${name}{${parts.join(', ')}}`;
}

/**
 * `formatLabels` cut to at most `max` characters, saying how much was left out: for error
 * messages, which must not echo a hostile series of megabytes back to the client or the log.
 */
export function formatLabelsShort(labels: Labels, max = 512): string {
  const text = formatLabels(labels);
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

export function labelsEqual(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}
