import { compareStrings, type Labels } from '../../../schemas/labels.js';

const keyCache = new WeakMap<Labels, string>();

/** Canonical identity of a label set, cached per (immutable) labels object. */
export function labelsKey(l: Labels): string {
  let k = keyCache.get(l);
  if (k === undefined) {
    const names = Object.keys(l).sort(compareStrings);
    k = '';
    for (const n of names) k += n + '\xff' + l[n] + '\xff';
    keyCache.set(l, k);
  }
  return k;
}

const noNameCache = new WeakMap<Labels, Labels>();

/**
 * The labels without `__name__` (cached so repeated steps share one object). The type-and-unit
 * metadata labels (`__type__`, `__unit__`) describe the name and go with it.
 */
export function dropMetricName(l: Labels): Labels {
  if (!('__name__' in l) && !('__type__' in l) && !('__unit__' in l)) return l;
  let r = noNameCache.get(l);
  if (r === undefined) {
    const o: Record<string, string> = {};
    for (const k in l) if (k !== '__name__' && k !== '__type__' && k !== '__unit__') o[k] = l[k];
    r = o;
    noNameCache.set(l, r);
  }
  return r;
}

/** Prometheus's `labels.Compare`: sorted name/value pairs compared lexicographically. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort(compareStrings);
  const bn = Object.keys(b).sort(compareStrings);
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    if (an[i] !== bn[i]) return compareStrings(an[i], bn[i]);
    const c = compareStrings(a[an[i]], b[bn[i]]);
    if (c !== 0) return c;
  }
  return an.length - bn.length;
}

/** Builds a labels object from pairs, omitting empty values (Prometheus drops empty labels). */
export function buildLabels(src: Labels, set: Record<string, string>, del: readonly string[] = []): Labels {
  const o: Record<string, string> = {};
  for (const k in src) o[k] = src[k];
  for (const k of del) delete o[k];
  for (const k in set) {
    if (set[k] === '') delete o[k];
    else o[k] = set[k];
  }
  return o;
}
