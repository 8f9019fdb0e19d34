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
    where = isAbsolute(file) || configFile === undefined ? file : resolve(dirname(configFile), file);
    result = await loadAlertmanagerConfigFile(where);
  } else if (inline !== undefined) {
    where = `${configFile ?? 'tidemark.yml'} (alerting.alertmanager_config)`;
    result = parseAlertmanagerConfig(stringify(inline), { filename: where });
  } else {
    where = '(default alertmanager configuration)';
    result = parseAlertmanagerConfig(DEFAULT_ALERTMANAGER_YML, { filename: where });
  }
  if (result.config === undefined) {
    throw new ConfigError(
      where,
      result.errors.map((e) => ({ path: e.path.join('.'), line: e.line, column: e.column, message: e.detail })),
    );
  }
  return result.config;
}
