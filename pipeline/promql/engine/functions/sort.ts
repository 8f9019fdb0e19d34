import { compareLabels } from '../label-keys.js';
import type { Sample } from '../types.js';
import { argString, argVector, vec, type FunctionImpl } from './function-impl.js';

/** Natural order: digit runs compare numerically (as Prometheus's natsort). */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a[i];
    const cb = b[j];
    const da = ca >= '0' && ca <= '9';
    const db = cb >= '0' && cb <= '9';
    if (da && db) {
      let ei = i;
      while (ei < a.length && a[ei] >= '0' && a[ei] <= '9') ei++;
      let ej = j;
      while (ej < b.length && b[ej] >= '0' && b[ej] <= '9') ej++;
      const na = a.slice(i, ei).replace(/^0+/, '');
      const nb = b.slice(j, ej).replace(/^0+/, '');
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      i = ei;
      j = ej;
      continue;
    }
    if (ca !== cb) return ca < cb ? -1 : 1;
    i++;
    j++;
  }
  return (a.length - i) - (b.length - j);
}

function byValue(desc: boolean): FunctionImpl {
  return (args) => {
    const out = argVector(args[0]).slice();
    out.sort((x, y) => {
      const nx = Number.isNaN(x.f);
      const ny = Number.isNaN(y.f);
      if (nx || ny) return nx && ny ? 0 : nx ? 1 : -1;
      return desc ? y.f - x.f : x.f - y.f;
    });
    return vec(out);
  };
}

function byLabel(desc: boolean): FunctionImpl {
  return (args) => {
    const names = args.slice(1).map(argString);
    const out = argVector(args[0]).slice();
    const cmp = (x: Sample, y: Sample) => {
      for (const n of names) {
        const a = x.metric[n] ?? '';
        const b = y.metric[n] ?? '';
        if (a === b) continue;
        return naturalCompare(a, b) < 0 ? -1 : 1;
      }
      return compareLabels(x.metric, y.metric);
    };
    out.sort(desc ? (x, y) => -cmp(x, y) : cmp);
    return vec(out);
  };
}

export const SORT_FUNCTIONS: Record<string, FunctionImpl> = {
  sort: byValue(false),
  sort_desc: byValue(true),
  sort_by_label: byLabel(false),
  sort_by_label_desc: byLabel(true),
};
