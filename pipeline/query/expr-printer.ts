import type { AtModifier, DurationExpr, Expr, VectorSelector } from '../promql/index.js';

/**
 * Prints an expression the way Prometheus' `String()` does (what `/api/v1/format_query` answers
 * for expressions short enough to fit one line): canonical spacing, `by (...)` before the
 * arguments, durations in `1h30m` form, label matchers without the name matcher.
 */
export function formatExpr(e: Expr): string {
  switch (e.type) {
    case 'number': return e.duration !== undefined ? formatDurationExpr(e.duration) : goG(e.value);
    case 'string': return JSON.stringify(e.value);
    case 'vector_selector': return selector(e) + modifiers(e.at, e.offset);
    case 'matrix_selector': return `${selector(e.vector)}[${formatDurationExpr(e.range)}]${modifiers(e.vector.at, e.vector.offset)}`;
    case 'subquery': return `${formatExpr(e.expr)}[${formatDurationExpr(e.range)}:${e.step === null ? '' : formatDurationExpr(e.step)}]${modifiers(e.at, e.offset)}`;
    case 'call': return `${e.func}(${e.args.map(formatExpr).join(', ')})`;
    case 'paren': return `(${formatExpr(e.expr)})`;
    case 'unary': return `${e.op}${formatExpr(e.expr)}`;
    case 'aggregate': {
      let s: string = e.op;
      if (e.without) s += ` without (${e.grouping.join(', ')}) `;
      else if (e.grouping.length > 0) s += ` by (${e.grouping.join(', ')}) `;
      return `${s}(${e.param !== null ? formatExpr(e.param) + ', ' : ''}${formatExpr(e.expr)})`;
    }
    case 'binary': {
      let matching = '';
      const vm = e.matching;
      if (vm !== null && (vm.labels.length > 0 || vm.on)) {
        matching = ` ${vm.on ? 'on' : 'ignoring'} (${vm.labels.join(', ')})`;
        if (vm.card === 'many-to-one' || vm.card === 'one-to-many') {
          matching += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${vm.include.join(', ')})`;
        }
      }
      return `${formatExpr(e.lhs)} ${e.op}${e.bool ? ' bool' : ''}${matching} ${formatExpr(e.rhs)}`;
    }
  }
}

function selector(vs: VectorSelector): string {
  const parts: string[] = [];
  for (const m of vs.matchers) {
    if (vs.name !== null && m.name === '__name__' && m.type === '=' && m.value === vs.name) continue;
    parts.push(`${m.name}${m.type}${JSON.stringify(m.value)}`);
  }
  const name = vs.name ?? '';
  return parts.length === 0 && name !== '' ? name : `${name}{${parts.join(', ')}}`;
}

function modifiers(at: AtModifier | null, offset: DurationExpr | null): string {
  let s = '';
  if (at !== null) s += at.kind === 'time' ? ` @ ${(at.ms / 1000).toFixed(3)}` : ` @ ${at.kind}()`;
  if (offset !== null) {
    const neg = offset.kind === 'const' && offset.ms < 0;
    if (!(offset.kind === 'const' && offset.ms === 0)) s += ` offset ${neg ? '-' + formatDuration(-offset.ms) : formatDurationExpr(offset)}`;
  }
  return s;
}

function formatDurationExpr(d: DurationExpr): string {
  switch (d.kind) {
    case 'const': return formatDuration(d.ms);
    case 'step': return 'step()';
    case 'range': return 'range()';
    case 'neg': return `-${formatDurationExpr(d.expr)}`;
    case 'binary': return `${formatDurationExpr(d.lhs)} ${d.op} ${formatDurationExpr(d.rhs)}`;
    case 'minmax': return `${d.fn}(${d.args.map(formatDurationExpr).join(', ')})`;
  }
}

const UNITS: readonly [string, number][] = [['y', 31_536_000_000], ['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];

/** Prometheus' model.Duration text: `1h30m`, `5m`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** Go's `%v` of a float64: shortest digits, exponent form below 1e-4 and from 1e21 on. */
function goG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const e = v.toExponential();
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  if (exp < -4 || exp >= 21) return `${e.slice(0, at)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}
