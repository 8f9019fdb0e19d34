/**
 * How JavaScript values stand in for Go values inside templates.
 *
 * - `undefined` is Go's invalid reflect.Value ("<no value>": a missing map key); `null` is nil.
 * - A JS number is an `int` when it is an integer, else a `float64`; `GoFloat` marks a float64
 *   whose value happens to be integral (Prometheus' `$value`, literals like `1.0`), because Go
 *   prints, compares and formats the two kinds differently.
 * - Arrays are slices; plain objects and `Map`s are `map[string]…` (keys ranged in sorted order);
 *   objects implementing `GoMap` are maps with methods (Alertmanager's `KV`); other class
 *   instances are structs: own properties are fields, prototype functions are methods.
 * - A struct or map with a `String()` method is a fmt.Stringer.
 */

export class GoFloat {
  constructor(readonly value: number) {}
}

export const goFloat = (v: number): GoFloat => new GoFloat(v);

/** A map with methods: field access tries methods first, then `mapGet`. */
export interface GoMap {
  mapGet(key: string): unknown;
  mapKeys(): string[];
  /** Value of a missing key under `missingkey=zero` (the zero of the element type). */
  readonly mapZero: unknown;
  readonly goType: string;
}

export type Kind =
  | 'invalid'
  | 'nil'
  | 'bool'
  | 'int'
  | 'float'
  | 'string'
  | 'slice'
  | 'map'
  | 'struct'
  | 'func';

export function isGoMap(v: unknown): v is GoMap {
  return typeof v === 'object' && v !== null && typeof (v as GoMap).mapGet === 'function' &&
    typeof (v as GoMap).mapKeys === 'function';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

export function kindOf(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint': return 'int';
    case 'string': return 'string';
    case 'function': return 'func';
  }
  if (v instanceof GoFloat) return 'float';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Map || isPlainObject(v) || isGoMap(v)) return 'map';
  return 'struct';
}

export function toNumber(v: unknown): number {
  if (v instanceof GoFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  return v as number;
}

/** Go's name of the value's type, for error messages and %T. */
export function goTypeName(v: unknown): string {
  const k = kindOf(v);
  switch (k) {
    case 'invalid': return '<nil>';
    case 'nil': return '<nil>';
    case 'bool': return 'bool';
    case 'int': return 'int';
    case 'float': return 'float64';
    case 'string': return 'string';
    case 'func': return 'func';
    default: break;
  }
  const named = (v as { goType?: unknown }).goType ?? (v as { constructor: { goType?: unknown } }).constructor?.goType;
  if (typeof named === 'string') return named;
  if (k === 'slice') {
    const arr = v as unknown[];
    return arr.length > 0 && arr.every((e) => typeof e === 'string') ? '[]string' : '[]interface {}';
  }
  if (k === 'map') return 'map[string]interface {}';
  return (v as object).constructor?.name ?? 'struct';
}

/** Keys of a map value, sorted as Go's fmtsort does for string keys. */
export function mapKeys(v: unknown): string[] {
  let keys: string[];
  if (isGoMap(v)) keys = v.mapKeys();
  else if (v instanceof Map) keys = [...v.keys()].map(String);
  else keys = Object.keys(v as object);
  return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Looks a key up: `undefined` when absent. */
export function mapGet(v: unknown, key: string): unknown {
  if (isGoMap(v)) return v.mapGet(key);
  if (v instanceof Map) return v.get(key);
  const o = v as Record<string, unknown>;
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

export function mapLen(v: unknown): number {
  if (isGoMap(v)) return v.mapKeys().length;
  if (v instanceof Map) return v.size;
  return Object.keys(v as object).length;
}

/** The zero value of the map's element type (missingkey=zero, `index` on a missing key). */
export function mapZero(v: unknown): unknown {
  if (isGoMap(v)) return v.mapZero;
  return null;
}

/** A method callable on the value, or undefined. Only class prototypes carry methods. */
export function methodOf(v: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  if (typeof v !== 'object' || v === null || isPlainObject(v)) return undefined;
  let proto = Object.getPrototypeOf(v);
  while (proto && proto !== Object.prototype && proto !== Array.prototype && proto !== Map.prototype) {
    if (Object.prototype.hasOwnProperty.call(proto, name)) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (d && typeof d.value === 'function' && name !== 'constructor') {
        return d.value as (...args: unknown[]) => unknown;
      }
      return undefined;
    }
    proto = Object.getPrototypeOf(proto);
  }
  return undefined;
}

/** Go's truth: false, 0, "", nil and empty slices/maps are false; structs are true. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil': return false;
    case 'bool': return v as boolean;
    case 'int':
    case 'float': return toNumber(v) !== 0;
    case 'string': return (v as string).length > 0;
    case 'slice': return (v as unknown[]).length > 0;
    case 'map': return mapLen(v) > 0;
    default: return true;
  }
}

/** UTF-8 byte length: Go's len of a string counts bytes. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** A Go map[string]string: a missing key's zero value is "". */
export class StringMap implements GoMap {
  static readonly goType = 'map[string]string';
  private readonly m: Record<string, string>;
  constructor(entries: Readonly<Record<string, string>>) { this.m = { ...entries }; }
  get goType(): string { return 'map[string]string'; }
  get mapZero(): string { return ''; }
  mapGet(key: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.m, key) ? this.m[key] : undefined;
  }
  mapKeys(): string[] { return Object.keys(this.m); }
  toJSON(): Record<string, string> { return this.m; }
}
