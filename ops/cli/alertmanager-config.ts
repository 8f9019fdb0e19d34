import { isAbsolute, dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import {
  loadAlertmanagerConfigFile,
  parseAlertmanagerConfig,
  type AlertmanagerConfig,
  type AlertmanagerConfigResult,
} from '../../pipeline/alert/notify/index.js';
import { ConfigError, type TidemarkConfig } from '../config/index.js';

/** With no alertmanager configuration, alerts are kept and shown by the API but sent nowhere. */
const DEFAULT_ALERTMANAGER_YML = 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n';

/**
 * The notifier's alertmanager.yml: `alerting.alertmanager_config_file` (relative to the
 * tidemark.yml it is named in), inline `alerting.alertmanager_config`, or a receiver-less default.
 * Throws ConfigError naming the file, YAML path and line.
 */
export async function alertmanagerConfigOf(cfg: TidemarkConfig, configFile: string | undefined): Promise<AlertmanagerConfig> {
  const { alertmanager_config_file: file, alertmanager_config: inline } = cfg.alerting;
  let where: string;
  let result: AlertmanagerConfigResult;
  if (file !== undefined) {
    where = relativeTo(configFile, file);
    result = await loadAlertmanagerConfigFile(where);
  } else if (inline !== undefined) {
    where = `${configFile ?? 'tidemark.yml'} (alerting.alertmanager_config)`;
    result = parseAlertmanagerConfig(stringify(inline), { filename: where });
  } else {
    where = '(default alertmanager configuration)';
    result = parseAlertmanagerConfig(DEFAULT_ALERTMANAGER_YML, { filename: where });
  }
  return configOrThrow(where, result);
}

/**
 * The tenants' own alertmanager.yml files (`tenants.alertmanager_configs`, relative to the
 * tidemark.yml they are named in), each validated as the main one. Empty without tenancy.
 * Throws ConfigError naming the first invalid file, and the YAML path and line of each of its problems.
 */
export async function tenantAlertmanagerConfigsOf(cfg: TidemarkConfig, configFile: string | undefined): Promise<Map<string, AlertmanagerConfig>> {
  const out = new Map<string, AlertmanagerConfig>();
  if (!cfg.tenants.enabled) return out;
  for (const [tenant, file] of Object.entries(cfg.tenants.alertmanager_configs)) {
    const where = relativeTo(configFile, file);
    out.set(tenant, configOrThrow(where, await loadAlertmanagerConfigFile(where)));
  }
  return out;
}

function relativeTo(configFile: string | undefined, file: string): string {
  return isAbsolute(file) || configFile === undefined ? file : resolve(dirname(configFile), file);
}

function configOrThrow(where: string, result: AlertmanagerConfigResult): AlertmanagerConfig {
  if (result.config === undefined) {
    throw new ConfigError(
      where,
      result.errors.map((e) => ({ path: e.path.join('.'), line: e.line, column: e.column, message: e.detail })),
    );
  }
  return result.config;
}
