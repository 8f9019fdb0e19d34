import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (two levels up from ops/server, in src and dist). */
export const TIDEMARK_VERSION: string = (() => {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // not at this depth: try the next (dist/ adds one level)
    }
  }
  return 'unknown';
})();
