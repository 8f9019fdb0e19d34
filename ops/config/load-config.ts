import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { tidemarkConfigSchema, type TidemarkConfig } from './config-schema.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { formatYamlPath, yamlPosition } from './yaml-position.js';

/**
 * Values that take precedence over the file's (command-line flags such as `--kafka`), in the
 * file's shape: merged into the YAML before validation, so a flag can complete a section the file
 * leaves unfinished (`bus: {type: kafka}` without brokers). Objects merge key by key; anything
 * else (arrays included) replaces the file's value.
 */
export interface ConfigOverrides {
  readonly [key: string]: unknown;
}

/** Parses and validates `tidemark.yml` text; `file` names it in errors. Throws ConfigError. */
export function parseConfig(text: string, file: string, overrides: ConfigOverrides = {}): TidemarkConfig {
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
  const raw = mergeOverrides(doc.toJS() ?? {}, overrides);
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

export async function loadConfig(file: string, overrides: ConfigOverrides = {}): Promise<TidemarkConfig> {
  return (await loadConfigWithText(file, overrides)).config;
}

/** loadConfig, also returning the text it validated (what `/api/v1/status/config` shows). */
export async function loadConfigWithText(file: string, overrides: ConfigOverrides = {}): Promise<{ config: TidemarkConfig; text: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  return { config: parseConfig(text, file, overrides), text };
}

/** The configuration roles run on when no file is given: every default, plus the overrides. */
export function defaultConfig(overrides: ConfigOverrides = {}): TidemarkConfig {
  if (Object.keys(overrides).length === 0) return tidemarkConfigSchema.parse({});
  return parseConfig('', '(command-line flags)', overrides);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeOverrides(base: unknown, overrides: ConfigOverrides): unknown {
  // A file value of the wrong kind stays, so validation reports it where the file has it.
  if (!isPlainObject(base)) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const current = out[key];
    if (isPlainObject(value) && (current === undefined || current === null)) out[key] = mergeOverrides({}, value);
    else if (isPlainObject(value)) out[key] = mergeOverrides(current, value);
    else out[key] = value;
  }
  return out;
}
