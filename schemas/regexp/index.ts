export { AnchoredRegexp, compileAnchoredRegexp, compileSelectorRegexp } from './anchored-regexp.js';
export { GoRegexp } from './go-regexp.js';
export { RegexpSyntaxError } from './regexp-syntax-error.js';
export { expandTemplate, type Submatches } from './submatches.js';
