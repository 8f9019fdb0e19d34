import { loadAlertmanagerConfigFile } from './load.js';
import type { AlertmanagerConfigError } from '../errors.js';

export interface AlertmanagerConfigSummary {
  readonly inhibitRules: number;
  readonly receivers: number;
  readonly templates: number;
  readonly timeIntervals: number;
}

export interface AlertmanagerConfigCheck {
  readonly ok: boolean;
  readonly errors: readonly AlertmanagerConfigError[];
  readonly summary?: AlertmanagerConfigSummary;
  /** What `amtool check-config` prints for the file, line by line. */
  readonly lines: readonly string[];
}

/** `tidemark check alertmanager FILE`: load the file and describe it as amtool check-config does. */
export async function checkAlertmanagerConfig(path: string): Promise<AlertmanagerConfigCheck> {
  const { config, errors } = await loadAlertmanagerConfigFile(path);
  if (config === undefined) {
    const lines = [`Checking '${path}'  FAILED: ${errors[0]?.message ?? 'invalid configuration'}`];
    for (const e of errors.slice(1)) lines.push(`  ${e.message}`);
    return { ok: false, errors, lines };
  }
  const summary: AlertmanagerConfigSummary = {
    inhibitRules: config.inhibitRules.length,
    receivers: config.receivers.length,
    templates: config.templates.length,
    timeIntervals: config.timeIntervals.size,
  };
  const lines = [
    `Checking '${path}'  SUCCESS`,
    'Found:',
    ' - global config',
    ' - route',
    ` - ${summary.inhibitRules} inhibit rules`,
    ` - ${summary.receivers} receivers`,
    ` - ${summary.templates} templates`,
  ];
  return { ok: true, errors: [], summary, lines };
}
