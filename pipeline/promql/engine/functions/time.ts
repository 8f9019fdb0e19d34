import type { Vector } from '../types.js';
import { argScalar, argVector, vec, type FunctionImpl } from './function-impl.js';

function dateFunction(f: (d: Date) => number): FunctionImpl {
  return (args, _call, t) => {
    if (args.length === 0) {
      return vec([{ metric: {}, f: f(new Date(t)), t, dropName: false }]);
    }
    const input = argVector(args[0]);
    const out: Vector = [];
    for (const s of input) {
      const v = Number.isFinite(s.f) ? f(new Date(Math.trunc(s.f) * 1000)) : NaN;
      out.push({ metric: s.metric, f: v, t, dropName: true });
    }
    return vec(out);
  };
}

export const TIME_FUNCTIONS: Record<string, FunctionImpl> = {
  time: (_a, _c, t) => ({ kind: 'scalar', v: t / 1000 }),
  step: (_a, _c, _t, ctx) => ({ kind: 'scalar', v: ctx.interval / 1000 }),
  range: (_a, _c, _t, ctx) => ({ kind: 'scalar', v: (ctx.end - ctx.start) / 1000 }),
  start: (_a, _c, _t, ctx) => ({ kind: 'scalar', v: ctx.start / 1000 }),
  end: (_a, _c, _t, ctx) => ({ kind: 'scalar', v: ctx.end / 1000 }),
  min_of: (a) => ({ kind: 'scalar', v: Math.min(...a.map(argScalar)) }),
  max_of: (a) => ({ kind: 'scalar', v: Math.max(...a.map(argScalar)) }),
  minute: dateFunction((d) => d.getUTCMinutes()),
  hour: dateFunction((d) => d.getUTCHours()),
  month: dateFunction((d) => d.getUTCMonth() + 1),
  year: dateFunction((d) => d.getUTCFullYear()),
  day_of_month: dateFunction((d) => d.getUTCDate()),
  day_of_week: dateFunction((d) => d.getUTCDay()),
  day_of_year: dateFunction((d) => {
    const start = Date.UTC(d.getUTCFullYear(), 0, 1);
    return Math.floor((d.getTime() - start) / 86_400_000) + 1;
  }),
  days_in_month: dateFunction((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()),
};
