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
