/**
 * Builds a labels object from symbol references: `symbols[refs[at + 1]]` is the value of the
 * first name, `symbols[refs[at + 3]]` of the second, and so on.
 */
export type LabelsBuilder = (symbols: readonly string[], refs: ArrayLike<number>, at: number) => Record<string, string>;

const MAX_BUILDERS = 4096;
const MAX_NAMES = 64;
const builders = new Map<string, LabelsBuilder>();

/**
 * A builder for label sets with exactly these names, in this order. Decoding a batch builds
 * thousands of label objects with the same few name lists; an object literal per name list
 * (compiled once, as avsc compiles its record readers) allocates each object in its final shape
 * instead of growing it property by property. Names are embedded as JSON string literals, so any
 * string is safe. Returns undefined where a literal would not behave like assignment
 * (`__proto__`) or when the cache is full: the caller then assigns one by one.
 */
export function labelsBuilder(names: readonly string[]): LabelsBuilder | undefined {
  if (names.length > MAX_NAMES) return undefined;
  const key = JSON.stringify(names);
  let b = builders.get(key);
  if (b !== undefined) return b;
  if (builders.size >= MAX_BUILDERS || names.includes('__proto__')) return undefined;
  const fields = names.map((n, j) => `${JSON.stringify(n)}: s[r[a + ${2 * j + 1}]]`);
  b = new Function('s', 'r', 'a', `'use strict'; return { ${fields.join(', ')} };`) as LabelsBuilder;
  builders.set(key, b);
  return b;
}
