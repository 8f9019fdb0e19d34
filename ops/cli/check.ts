import { checkMetrics } from '../../schemas/exposition/index.js';
import { checkRules } from '../../pipeline/alert/rules/index.js';
import { checkAlertmanagerConfig } from '../../pipeline/alert/notify/config/check.js';
import { parseExpr } from '../../pipeline/promql/index.js';
import { ConfigError, formatProblem, loadConfig } from '../config/index.js';

export interface CheckOutput {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** `tidemark check config FILE...`: like `promtool check config`. Exit 0 valid, 2 invalid. */
export async function checkConfigFiles(files: readonly string[], io: CheckOutput): Promise<number> {
  let code = 0;
  for (const file of files) {
    io.out(`Checking ${file}`);
    try {
      const cfg = await loadConfig(file);
      io.out(` SUCCESS: ${file} is valid tidemark config file syntax (${cfg.scrape_configs.length} scrape configs, ${cfg.rule_files.length} rule file patterns)`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.err(`  FAILED:`);
      for (const p of err.problems) io.err(`    ${file}: ${formatProblem(p)}`);
      code = 2;
    }
  }
  return code;
}

/** The PromQL check rule files use: the engine's own parser and type checker. */
function promqlError(expr: string): string | null {
  try {
    parseExpr(expr);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** `tidemark check rules FILE...`: like `promtool check rules`. Exit 0 valid, 1 invalid. */
export async function checkRuleFiles(files: readonly string[], io: CheckOutput): Promise<number> {
  const result = await checkRules(files, promqlError);
  for (const line of result.summary.replace(/\n+$/, '').split('\n')) (result.ok ? io.out : io.err)(line);
  return result.ok ? 0 : 1;
}

/** `tidemark check alertmanager FILE...`: like `amtool check-config`. Exit 0 valid, 1 invalid. */
export async function checkAlertmanagerFiles(files: readonly string[], io: CheckOutput): Promise<number> {
  let code = 0;
  for (const file of files) {
    const result = await checkAlertmanagerConfig(file);
    for (const line of result.lines) (result.ok ? io.out : io.err)(line);
    if (!result.ok) code = 1;
  }
  return code;
}

/**
 * `tidemark check metrics [--openmetrics]` on standard input, as `promtool check metrics`:
 * exit 0 valid and clean, 1 unparsable (with line and column), 3 valid with lint problems.
 */
export function checkMetricsText(text: string, openMetrics: boolean, io: CheckOutput): number {
  const result = checkMetrics(text, { openMetrics });
  if (!result.ok) {
    io.err(`error while linting: line ${result.line}, column ${result.column}: ${result.message}`);
    return 1;
  }
  for (const p of result.problems) io.err(`${p.metric} ${p.text}`);
  return result.problems.length > 0 ? 3 : 0;
}
