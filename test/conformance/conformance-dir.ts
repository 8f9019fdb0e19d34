import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The conformance data kept in this repository (`test/conformance/testdata/`, copied unmodified
 * from upstream; provenance in its SOURCES.md files). `conformancePath('promql')` →
 * `<repo>/test/conformance/testdata/promql`. A missing path throws: a test must fail, never skip,
 * when the data it runs on is not there.
 */
export function conformancePath(...parts: string[]): string {
  const path = fileURLToPath(new URL(['testdata', ...parts].join('/'), import.meta.url));
  if (!existsSync(path)) throw new Error(`conformance data missing: ${path} (expected in test/conformance/testdata/, see its SOURCES.md)`);
  return path;
}
