/**
 * Keeps `String.prototype` in V8's fast (non-dictionary) mode. When a library makes it the
 * prototype of an ordinary object (ioredis does, with `class VerbatimString extends String`), V8
 * turns it into a dictionary, and from then on every `charCodeAt`, `slice` or `startsWith` on a
 * string is a generic lookup: the text parsers ran 2-4x slower in any process that had loaded
 * ioredis. V8 makes such a prototype fast again the first time a property load with feedback
 * runs through it, which is what this does. Cheap once it is fast: a few monomorphic loads.
 */
const probe: { readonly length?: unknown } = Object.create(String.prototype);

function load(o: { readonly length?: unknown }): unknown {
  return o.length;
}

export function keepStringMethodsFast(): void {
  // A few calls: the function needs a feedback vector before its loads optimize prototypes.
  for (let i = 0; i < 16; i++) load(probe);
}
