import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { expandRuleFiles } from '../config/rule-file-globs.js';
import type { TenantsConfig } from './config.js';
import { scopeQuery } from './selector-scoping.js';

interface RuleNode {
  expr?: unknown;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * A tenant's rule files (`tenants.rule_files`) as the rules evaluator loads them: copies written
 * under `outDir/<tenant>/` in which every expression selects the tenant's series only and every
 * rule sets the tenant label, so a recording rule's output is stored as the tenant's series and an
 * alert carries its tenant to the notifier. The evaluator needs no notion of tenants; the copies
 * are rewritten on every (re)load. Resolves with the copies' paths; throws naming the original
 * file when one cannot be read or holds an expression that does not parse.
 */
export async function writeTenantRuleFiles(config: TenantsConfig, configFile: string | undefined, outDir: string): Promise<string[]> {
  await rm(outDir, { recursive: true, force: true });
  const out: string[] = [];
  for (const [tenant, patterns] of Object.entries(config.rule_files)) {
    const dir = join(outDir, tenant);
    await mkdir(dir, { recursive: true });
    let n = 0;
    for (const file of expandRuleFiles(patterns, configFile)) {
      const scoped = scopeRuleFile(await readFile(file, 'utf8'), file, config.label, tenant);
      // Numbered: two patterns may match files of the same name in different directories.
      const copy = join(dir, `${n++}-${basename(file)}`);
      await writeFile(copy, scoped);
      out.push(copy);
    }
  }
  return out;
}

/** The text of a rule file with every rule confined to `tenant` (see writeTenantRuleFiles). */
export function scopeRuleFile(text: string, file: string, label: string, tenant: string): string {
  let doc: { groups?: Array<{ name?: unknown; rules?: RuleNode[] }> } | null;
  try {
    doc = parse(text) as typeof doc;
  } catch (err) {
    throw new Error(`tenant ${tenant}: rule file ${file}: ${(err as Error).message}`, { cause: err });
  }
  for (const group of doc?.groups ?? []) {
    (group.rules ?? []).forEach((rule, i) => {
      if (typeof rule.expr !== 'string') return; // left for the rule loader to report
      try {
        rule.expr = scopeQuery(rule.expr, label, tenant);
      } catch (err) {
        throw new Error(`tenant ${tenant}: rule file ${file}: group ${JSON.stringify(group.name)}, rule ${i + 1}: ${(err as Error).message}`, { cause: err });
      }
      rule.labels = { ...rule.labels, [label]: tenant };
    });
  }
  return stringify(doc ?? {});
}
