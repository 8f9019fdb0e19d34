/** `tidemark check rules FILE...`: promtool's output and exit status for rule files. */
import { loadRuleFile, type ExprParser } from './rule-file.js';
import type { RuleFileError } from './errors.js';

export interface CheckRulesResult {
  readonly ok: boolean;
  readonly errors: readonly (RuleFileError | Error)[];
  /** What promtool prints: `Checking FILE`, then `  SUCCESS: N rules found` or `  FAILED:` + errors. */
  readonly summary: string;
}

export async function checkRules(paths: readonly string[], parseExpr: ExprParser): Promise<CheckRulesResult> {
  const errors: Array<RuleFileError | Error> = [];
  let summary = '';
  for (const path of paths) {
    summary += `Checking ${path}\n`;
    let fileErrors: Array<RuleFileError | Error>;
    let count = 0;
    try {
      const res = await loadRuleFile(path, parseExpr);
      fileErrors = [...res.errors];
      for (const g of res.groups) count += g.rules.length;
    } catch (e) {
      fileErrors = [e instanceof Error ? e : new Error(String(e))];
    }
    if (fileErrors.length > 0) {
      summary += '  FAILED:\n' + fileErrors.map((e) => e.message + '\n').join('');
      errors.push(...fileErrors);
    } else {
      summary += `  SUCCESS: ${count} rules found\n`;
    }
    summary += '\n';
  }
  return { ok: errors.length === 0, errors, summary };
}
