import { isValidLabelName, type Labels } from '../../../../schemas/labels.js';
import { PromqlEvalError } from '../../errors.js';
import { labelsKey } from '../label-keys.js';
import type { Vector } from '../types.js';
import { argString, argVector, vec, type FunctionImpl } from './function-impl.js';
import { compileAnchoredRegexp, expandTemplate, type AnchoredRegexp } from '../../../../schemas/regexp/index.js';

function setLabel(l: Labels, name: string, value: string): Labels {
  const o: Record<string, string> = { ...l };
  if (value === '') delete o[name];
  else o[name] = value;
  return o;
}

function checkUnique(out: Vector): void {
  const seen = new Set<string>();
  for (const s of out) {
    const k = labelsKey(s.metric);
    if (seen.has(k)) throw new PromqlEvalError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}

const caches = new WeakMap<object, WeakMap<Labels, Labels>>();
function cached(node: object, l: Labels, f: () => Labels): Labels {
  let c = caches.get(node);
  if (!c) {
    c = new WeakMap();
    caches.set(node, c);
  }
  let r = c.get(l);
  if (!r) {
    r = f();
    c.set(l, r);
  }
  return r;
}

const labelReplace: FunctionImpl = (args, call) => {
  const dst = argString(args[1]);
  const repl = argString(args[2]);
  const src = argString(args[3]);
  const reStr = argString(args[4]);
  let re: AnchoredRegexp;
  try {
    // Prometheus compiles `^(?s:re)$`.
    re = compileAnchoredRegexp(reStr, { dotMatchesNewline: true });
  } catch (err) {
    throw new PromqlEvalError(`invalid regular expression in label_replace(): ${reStr}`, { cause: err });
  }
  if (!isValidLabelName(dst) && dst !== '__name__') throw new PromqlEvalError(`invalid destination label name in label_replace(): ${dst}`);
  const out: Vector = [];
  for (const s of argVector(args[0])) {
    const metric = cached(call, s.metric, () => {
      const m = re.exec(s.metric[src] ?? '');
      if (!m) return s.metric;
      return setLabel(s.metric, dst, expandTemplate(repl, m));
    });
    // Setting the metric name explicitly keeps it (delayed name removal).
    const renamed = dst === '__name__' && metric !== s.metric;
    out.push({ metric, f: s.f, t: s.t, dropName: renamed ? false : s.dropName, ...(s.h === undefined ? {} : { h: s.h }) });
  }
  checkUnique(out);
  return vec(out);
};

const labelJoin: FunctionImpl = (args, call) => {
  const dst = argString(args[1]);
  const sep = argString(args[2]);
  const srcs = args.slice(3).map(argString);
  if (!isValidLabelName(dst)) throw new PromqlEvalError(`invalid destination label name in label_join(): ${dst}`);
  for (const s of srcs) if (!isValidLabelName(s)) throw new PromqlEvalError(`invalid source label name in label_join(): ${s}`);
  const out: Vector = [];
  for (const s of argVector(args[0])) {
    const metric = cached(call, s.metric, () => setLabel(s.metric, dst, srcs.map((n) => s.metric[n] ?? '').join(sep)));
    // Writing the metric name keeps it (delayed name removal), as in label_replace.
    out.push({ metric, f: s.f, t: s.t, dropName: dst === '__name__' ? false : s.dropName, ...(s.h === undefined ? {} : { h: s.h }) });
  }
  checkUnique(out);
  return vec(out);
};

export const LABEL_FUNCTIONS: Record<string, FunctionImpl> = {
  label_replace: labelReplace,
  label_join: labelJoin,
};
