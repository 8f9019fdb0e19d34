import { readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { globToRegExp } from '../../connectors/scrape/index.js';

/**
 * `rule_files` entries as Prometheus reads them: paths relative to the configuration file, with
 * wildcards allowed in the file name (`rules/*.yml`). Sorted, without duplicates; a pattern that
 * matches nothing yields nothing, as in Prometheus.
 */
export function expandRuleFiles(patterns: readonly string[], configFile: string | undefined): string[] {
  const base = configFile === undefined ? process.cwd() : dirname(resolve(configFile));
  const out = new Set<string>();
  for (const p of patterns) {
    const full = isAbsolute(p) ? p : join(base, p);
    const name = basename(full);
    if (!/[*?[]/.test(name)) {
      out.add(full);
      continue;
    }
    let entries: string[];
    try {
      entries = readdirSync(dirname(full));
    } catch {
      continue;
    }
    const re = globToRegExp(name);
    for (const e of entries) if (re.test(e)) out.add(join(dirname(full), e));
  }
  return [...out].sort();
}
