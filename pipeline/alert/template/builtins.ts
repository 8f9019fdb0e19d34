/**
 * Go text/template's predefined functions (text/template/funcs.go): comparisons, and/or/not,
 * len, index, slice, print/printf/println, html, js, urlquery, call.
 */
import { goFunc, type FuncMap, type GoFunc } from './go-func.js';
import { sprint, sprintf, sprintln } from './go-fmt.js';
import { byteLength, GoFloat, goTypeName, isTrue, kindOf, mapGet, mapZero, toNumber } from './go-value.js';

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';

function basicKind(v: unknown): BasicKind {
  const k = kindOf(v);
  if (k === 'bool' || k === 'int' || k === 'float' || k === 'string') return k;
  if (k === 'invalid' || k === 'nil') return 'invalid';
  return 'other';
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

function valueOf(v: unknown): unknown {
  return v instanceof GoFloat ? v.value : v;
}

export function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  if (arg2.length === 0) throw new Error(errNoComparison);
  const k1 = basicKind(arg1);
  for (const arg of arg2) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (k1 !== 'invalid' && k2 !== 'invalid') throw new Error(errBadComparison);
    } else if (k1 === 'invalid') {
      truth = true;
    } else if (k1 === 'other') {
      truth = arg1 === arg;
    } else {
      truth = valueOf(arg1) === valueOf(arg);
    }
    if (truth) return true;
  }
  return false;
}

export function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'other' || k2 === 'invalid' || k2 === 'other') throw new Error(errBadComparisonType);
  if (k1 !== k2) throw new Error(errBadComparison);
  if (k1 === 'bool') throw new Error(errBadComparisonType);
  if (k1 === 'string') return (a as string) < (b as string);
  return toNumber(a) < toNumber(b);
}

const le = (a: unknown, b: unknown): boolean => lt(a, b) || eq(a, b);

function length(item: unknown): number {
  switch (kindOf(item)) {
    case 'string': return byteLength(item as string);
    case 'slice': return (item as unknown[]).length;
    case 'map': {
      const keys = (item as { mapKeys?: () => string[] }).mapKeys;
      if (typeof keys === 'function') return keys.call(item).length;
      return item instanceof Map ? item.size : Object.keys(item as object).length;
    }
    case 'nil': case 'invalid': throw new Error('len of nil pointer');
    default: throw new Error(`len of type ${goTypeName(item)}`);
  }
}

function indexArg(index: unknown, cap: number): number {
  if (kindOf(index) !== 'int') {
    throw new Error(index === undefined || index === null ? 'cannot index slice/array with nil' : `cannot index slice/array with type ${goTypeName(index)}`);
  }
  const x = Number(index);
  if (x < 0 || x >= cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  let cur: unknown = item;
  for (const ix of indexes) {
    if (cur === null) throw new Error('index of nil pointer');
    switch (kindOf(cur)) {
      case 'slice': cur = (cur as unknown[])[indexArg(ix, (cur as unknown[]).length)]; break;
      case 'string': {
        const bytes = Buffer.from(cur as string, 'utf8');
        cur = bytes[indexArg(ix, bytes.length)];
        break;
      }
      case 'map': {
        if (typeof ix !== 'string') throw new Error(`value has type ${goTypeName(ix)}; should be string`);
        const v = mapGet(cur, ix);
        cur = v === undefined ? mapZero(cur) : v;
        break;
      }
      default: throw new Error(`can't index item of type ${goTypeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(item);
  if (k === 'string' && indexes.length === 3) throw new Error('cannot 3-index slice a string');
  if (k !== 'string' && k !== 'slice') throw new Error(`can't slice item of type ${goTypeName(item)}`);
  const len = k === 'string' ? byteLength(item as string) : (item as unknown[]).length;
  const idx = [0, len];
  for (let i = 0; i < indexes.length; i++) {
    const x = indexArg2(indexes[i], len);
    idx[i] = x;
  }
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (k === 'string') return Buffer.from(item as string, 'utf8').subarray(idx[0], idx[1]).toString('utf8');
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function indexArg2(index: unknown, cap: number): number {
  if (kindOf(index) !== 'int') throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  const x = Number(index);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

/** The string form of html/js/urlquery arguments (text/template's evalArgs). */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined ? '<no value>' : a)));
}

export function htmlEscapeString(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) =>
    c === '&' ? '&amp;' : c === "'" ? '&#39;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&#34;' : '\uFFFD');
}

export function jsEscapeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\': out += '\\\\'; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case '<': out += '\\u003C'; continue;
      case '>': out += '\\u003E'; continue;
      case '&': out += '\\u0026'; continue;
      case '=': out += '\\u003D'; continue;
    }
    if (cp < 0x20) out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (typeof fn !== 'function') {
    throw new Error(fn === undefined || fn === null ? 'call of nil' : `non-function of type ${goTypeName(fn)}`);
  }
  return (fn as GoFunc)(...args);
}

/** Names handled by the executor itself (short-circuit evaluation). */
export const SHORT_CIRCUIT = new Set(['and', 'or']);

export const BUILTINS: FuncMap = {
  and: goFunc(['value'], (...a: unknown[]) => a[a.length - 1], 'value'),
  or: goFunc(['value'], (...a: unknown[]) => a[a.length - 1], 'value'),
  not: goFunc(['value'], (a: unknown) => !isTrue(a)),
  eq: goFunc(['value'], eq, 'value'),
  ne: goFunc(['value'], (a: unknown, ...b: unknown[]) => !eq(a, ...b), 'value'),
  lt: goFunc(['value', 'value'], lt),
  le: goFunc(['value', 'value'], le),
  gt: goFunc(['value', 'value'], (a: unknown, b: unknown) => !le(a, b)),
  ge: goFunc(['value', 'value'], (a: unknown, b: unknown) => !lt(a, b)),
  len: goFunc(['value'], length),
  index: goFunc(['value'], index, 'value'),
  slice: goFunc(['value'], slice, 'value'),
  print: goFunc([], (...a: unknown[]) => sprint(a), 'any'),
  printf: goFunc(['string'], (f: string, ...a: unknown[]) => sprintf(f, a), 'any'),
  println: goFunc([], (...a: unknown[]) => sprintln(a), 'any'),
  html: goFunc([], (...a: unknown[]) => htmlEscapeString(evalArgs(a)), 'value'),
  js: goFunc([], (...a: unknown[]) => jsEscapeString(evalArgs(a)), 'value'),
  urlquery: goFunc([], (...a: unknown[]) => queryEscape(evalArgs(a)), 'value'),
  call: goFunc(['value'], call, 'value'),
};
