export { SymbolTable } from './symbol-table.js';
export { MemPostings, intersectPostings, subtractPostings, unionPostings, type Postings } from './postings.js';
export { compileMatcher, type CompiledMatcher } from './label-matcher.js';
export { postingsForMatchers, type PostingsSource } from './postings-for-matchers.js';
