import { parse } from 'yaml';

import { parseAlertmanagerConfig } from './load.js';
import type { AlertmanagerConfig } from './resolve.js';

/**
 * A tenant's configuration as Mimir's configuration API takes it (its `UserConfig`): the
 * alertmanager.yml as a string, and the templates it uses by file name.
 */
export interface UserConfig {
  readonly templateFiles: Readonly<Record<string, string>>;
  readonly alertmanagerConfig: string;
}

export type UserConfigResult =
  | { readonly ok: true; readonly user: UserConfig; readonly config: AlertmanagerConfig }
  | { readonly ok: false; readonly error: string };

/**
 * Parse a posted (or stored) user configuration and validate its `alertmanager_config` as an
 * alertmanager.yml file is validated. Never throws for bad input: the error says what and where
 * (the line within `alertmanager_config`).
 */
export function parseUserConfig(text: string): UserConfigResult {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { ok: false, error: `error marshalling YAML Alertmanager config: ${(err as Error).message}` };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, error: 'error marshalling YAML Alertmanager config: expected a mapping with template_files and alertmanager_config' };
  const { template_files: templates = {}, alertmanager_config: am, ...rest } = doc as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return { ok: false, error: `error marshalling YAML Alertmanager config: field ${unknown[0]} not found` };
  if (typeof am !== 'string' || am.trim() === '') return { ok: false, error: 'error validating Alertmanager config: alertmanager_config is empty or not a string' };
  if (templates === null || typeof templates !== 'object' || Array.isArray(templates) || Object.values(templates).some((t) => typeof t !== 'string')) {
    return { ok: false, error: 'error validating Alertmanager config: template_files must map file names to template text' };
  }
  const fileField = findFileField(am);
  if (fileField !== undefined) {
    return { ok: false, error: `error validating Alertmanager config: ${fileField} is not allowed in a tenant's configuration: it would read a file on the notifier's host (give the value itself)` };
  }
  const parsed = parseAlertmanagerConfig(am, { filename: 'alertmanager_config' });
  if (parsed.config === undefined) {
    const problems = parsed.errors.map((e) => (e.line === undefined ? e.detail : `${e.detail} (line ${e.line} of alertmanager_config)`));
    return { ok: false, error: `error validating Alertmanager config: ${problems.join('; ')}` };
  }
  return { ok: true, user: { templateFiles: templates as Record<string, string>, alertmanagerConfig: am }, config: parsed.config };
}

/**
 * The first `*_file` field (password_file, bearer_token_file, ca_file, url_file, ...) of an
 * uploaded configuration, by its YAML path. A tenant's configuration must not make the notifier
 * read its host's files, as Mimir refuses them too; the operator's files may use them.
 */
function findFileField(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined; // The configuration's own parse reports it.
  }
  const walk = (v: unknown, path: string): string | undefined => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const found = walk(v[i], `${path}[${i}]`);
        if (found !== undefined) return found;
      }
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const here = path === '' ? k : `${path}.${k}`;
        if (/_files?$/.test(k)) return here;
        const found = walk(child, here);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return walk(doc, '');
}
