/**
 * Template functions and their Go signatures. A signature lets the executor check argument
 * counts and types the way Go's reflection does ("wrong number of args for X: want 1 got 2",
 * "wrong type for value; expected string; got int"). A plain JS function without one accepts
 * any arguments.
 */

/**
 * `any` is interface{} (a missing value arrives as null); `value` is reflect.Value (the builtins:
 * a missing value arrives as undefined); the others must match the Go type.
 */
export type ParamType = 'any' | 'value' | 'string' | 'int' | 'float64' | 'bool' | '[]string' | 'time' | 'duration';

export interface Signature {
  readonly params: readonly ParamType[];
  /** Type of the trailing `...` parameter. */
  readonly variadic?: ParamType;
}

export type GoFunc = ((...args: any[]) => unknown) & { goSig?: Signature };
export type FuncMap = Record<string, GoFunc>;

/** Attaches a Go signature to a function. */
export function goFunc<F extends (...args: any[]) => unknown>(params: readonly ParamType[], fn: F, variadic?: ParamType): F & { goSig: Signature } {
  const f = fn as F & { goSig: Signature };
  f.goSig = variadic === undefined ? { params } : { params, variadic };
  return f;
}

/** Signature of a function that has none: methods take `length` args, funcs anything. */
export function signatureOf(fn: GoFunc, isMethod: boolean): Signature {
  if (fn.goSig) return fn.goSig;
  if (isMethod) return { params: new Array<ParamType>(fn.length).fill('any') };
  return { params: [], variadic: 'any' };
}
