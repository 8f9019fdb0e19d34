import { readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/** A glob's last path segment as a regular expression (`*`, `?` and `[...]`, as Go's filepath.Match). */
function segmentPattern(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^\^|^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

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
    const re = segmentPattern(name);
    for (const e of entries) if (re.test(e)) out.add(join(dirname(full), e));
  }
  return [...out].sort();
}
