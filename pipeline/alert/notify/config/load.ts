import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { z } from 'zod';

import { AlertmanagerConfigError } from '../errors.js';
import { resolveConfig, type AlertmanagerConfig } from './resolve.js';
import { alertmanagerFileSchema } from './schema.js';
import { parseYamlTree } from './yaml-tree.js';

export interface AlertmanagerConfigResult {
  readonly config?: AlertmanagerConfig;
  /** Empty when `config` is set; otherwise every problem found, most relevant first. */
  readonly errors: readonly AlertmanagerConfigError[];
}

/**
 * Parse and validate `alertmanager.yml` text as Alertmanager's config.Load does (strict keys,
 * every integration's checks, global defaults, route and time-interval references). Never
 * throws for bad input: problems come back with their YAML path and line.
 */
export function parseAlertmanagerConfig(text: string, opts: { filename?: string } = {}): AlertmanagerConfigResult {
  const tree = parseYamlTree(text);
  if (tree.errors.length > 0) {
    return { errors: tree.errors.map((e) => new AlertmanagerConfigError(`yaml: ${e.message}`, { path: [], line: e.line, column: e.column })) };
  }
  if (tree.value === null || tree.value === undefined) {
    return { errors: [new AlertmanagerConfigError('no route provided in config')] };
  }
  if (typeof tree.value !== 'object' || Array.isArray(tree.value)) {
    const kind = Array.isArray(tree.value) ? '!!seq' : `!!str \`${String(tree.value)}\``;
    const where = tree.locate([]);
    return { errors: [new AlertmanagerConfigError(`yaml: unmarshal errors: line ${where.line ?? 1}: cannot unmarshal ${kind} into config.plain`, where)] };
  }
  const parsed = alertmanagerFileSchema.safeParse(tree.value);
  if (!parsed.success) return { errors: parsed.error.issues.flatMap((i) => issueErrors(i, tree.locate)) };
  const baseDir = opts.filename !== undefined ? dirname(opts.filename) : undefined;
  const { config, problems } = resolveConfig(parsed.data, text, baseDir);
  if (config === undefined) return { errors: problems.map((p) => new AlertmanagerConfigError(p.message, tree.locate(p.path))) };
  return { config, errors: [] };
}

/** Read and parse a file; a read failure is reported like a config error. */
export async function loadAlertmanagerConfigFile(path: string): Promise<AlertmanagerConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { errors: [new AlertmanagerConfigError(`open ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: [] }, { cause: err })] };
  }
  return parseAlertmanagerConfig(text, { filename: path });
}

function issueErrors(issue: z.core.$ZodIssue, locate: (p: (string | number)[]) => ReturnType<ReturnType<typeof parseYamlTree>['locate']>): AlertmanagerConfigError[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const where = locate([...path, k]);
      const owner = [...path].reverse().find((p) => typeof p === 'string');
      return new AlertmanagerConfigError(`field ${k} not found${owner !== undefined ? ` in ${owner}` : ''}`, where);
    });
  }
  if (issue.code === 'invalid_type') {
    const where = locate(path);
    return [new AlertmanagerConfigError(`cannot unmarshal into ${issue.expected}: ${issue.message}`, where)];
  }
  return [new AlertmanagerConfigError(issue.message, locate(path))];
}
