import type { Vector } from '../types.js';
import { argScalar, argVector, vec, type FunctionImpl } from './function-impl.js';

/** Applies `f` to every sample's value; the metric name is dropped. */
export function simple(f: (x: number) => number): FunctionImpl {
  return (args, _call, t) => {
    const input = argVector(args[0]);
    const out: Vector = new Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const s = input[i];
      out[i] = { metric: s.metric, f: f(s.f), t, dropName: true };
    }
    return vec(out);
  };
}

export const MATH_FUNCTIONS: Record<string, FunctionImpl> = {
  abs: simple(Math.abs), ceil: simple(Math.ceil), floor: simple(Math.floor), exp: simple(Math.exp),
  sqrt: simple(Math.sqrt), ln: simple(Math.log), log2: simple(Math.log2), log10: simple(Math.log10),
  sin: simple(Math.sin), cos: simple(Math.cos), tan: simple(Math.tan), asin: simple(Math.asin),
  acos: simple(Math.acos), atan: simple(Math.atan), sinh: simple(Math.sinh), cosh: simple(Math.cosh),
  tanh: simple(Math.tanh), asinh: simple(Math.asinh), acosh: simple(Math.acosh), atanh: simple(Math.atanh),
  deg: simple((x) => (x * 180) / Math.PI), rad: simple((x) => (x * Math.PI) / 180),
  sgn: simple((x) => (x > 0 ? 1 : x < 0 ? -1 : x)),
  round: (args, call, t, ctx) => {
    const toNearest = args.length > 1 ? argScalar(args[1]) : 1;
    const inv = 1 / toNearest;
    return simple((x) => Math.floor(x * inv + 0.5) / inv)(args, call, t, ctx);
  },
  clamp: (args, call, t, ctx) => {
    const min = argScalar(args[1]);
    const max = argScalar(args[2]);
    if (max < min) return vec([]);
    return simple((x) => Math.max(min, Math.min(max, x)))(args, call, t, ctx);
  },
  clamp_min: (args, call, t, ctx) => {
    const min = argScalar(args[1]);
    return simple((x) => Math.max(min, x))(args, call, t, ctx);
  },
  clamp_max: (args, call, t, ctx) => {
    const max = argScalar(args[1]);
    return simple((x) => Math.min(max, x))(args, call, t, ctx);
  },
  timestamp: (args, _call, t) => {
    const input = argVector(args[0]);
    return vec(input.map((s) => ({ metric: s.metric, f: s.t / 1000, t, dropName: true })));
  },
};
