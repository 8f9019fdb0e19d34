import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { tidemarkConfigSchema, type TidemarkConfig } from './config-schema.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { formatYamlPath, yamlPosition } from './yaml-position.js';

/** Parses and validates `tidemark.yml` text; `file` names it in errors. Throws ConfigError. */
export function parseConfig(text: string, file: string): TidemarkConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: '', line: pos?.line, column: pos?.col, message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = tidemarkConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const pos = yamlPosition(doc, lines, path, key);
        problems.push({ path: formatYamlPath([...path, key]), ...pos, message: 'unknown field' });
      }
      continue;
    }
    const pos = yamlPosition(doc, lines, path);
    problems.push({ path: formatYamlPath(path), ...pos, message: issue.message });
  }
  throw new ConfigError(file, problems);
}

export async function loadConfig(file: string): Promise<TidemarkConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file);
}

/** The configuration `tidemark up` runs on when no file is given: every default. */
export function defaultConfig(): TidemarkConfig {
  return tidemarkConfigSchema.parse({});
}
