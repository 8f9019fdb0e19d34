import { fileURLToPath } from 'node:url';

/**
 * The shared conformance data: `shared/conformance/` beside the repository checkout (as CI lays
 * it out), never edited by the project. `conformancePath('promql')` → `<shared>/conformance/promql`.
 */
export function conformancePath(...parts: string[]): string {
  return fileURLToPath(new URL(['../../../shared/conformance', ...parts].join('/'), import.meta.url));
}
